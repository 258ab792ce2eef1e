package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// maxRecordedBody bounds the request body kept in a Call.
const maxRecordedBody = 64 << 10

// Call is one API request the emulator received.
type Call struct {
	Method string
	Path   string // relative to /v1, e.g. "/messages"
	Query  string // the raw query, e.g. "roomId=...&max=50"
	// Bot is the short id of the bot whose token the call carried; empty
	// when it carried none of theirs.
	Bot string
	// Status is the status answered; 0 while the request is still being
	// served (for example held by a fault's delay).
	Status int
	At     time.Time // when the request arrived
	Body   []byte    // the request body, cut at 64 KiB
}

// MarshalJSON shows the body as text, for the control API.
func (c Call) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Method string    `json:"method"`
		Path   string    `json:"path"`
		Query  string    `json:"query,omitempty"`
		Bot    string    `json:"bot,omitempty"`
		Status int       `json:"status"`
		At     time.Time `json:"at"`
		Body   string    `json:"body,omitempty"`
	}{c.Method, c.Path, c.Query, c.Bot, c.Status, c.At, string(c.Body)})
}

// Calls returns every API call received so far (the latest 10000), oldest
// first. Calls to the control API are not recorded.
func (s *Server) Calls() []Call { return s.lastCalls(-1) }

// lastCalls returns the n latest calls, oldest first; all of them when n
// is negative.
func (s *Server) lastCalls(n int) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	calls := s.st.calls
	if n >= 0 && n < len(calls) {
		calls = calls[len(calls)-n:]
	}
	out := make([]Call, len(calls))
	for i, c := range calls {
		out[i] = *c
		out[i].Body = bytes.Clone(c.Body)
	}
	return out
}

// readBody reads the whole request body, up to maxBodyBytes, and puts it
// back for the handler. tooLarge reports a larger body.
func readBody(r *http.Request) (body []byte, tooLarge bool) {
	if r.Body == nil {
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return b, false
	}
	return b, len(b) > maxBodyBytes
}

func (s *Server) recordCall(r *http.Request, path string, body []byte, b *bot) *Call {
	c := &Call{Method: r.Method, Path: path, Query: r.URL.RawQuery, At: s.now()}
	if b != nil {
		c.Bot = b.id
	}
	if len(body) > maxRecordedBody {
		body = body[:maxRecordedBody]
	}
	c.Body = bytes.Clone(body)
	s.mu.Lock()
	s.st.calls = appendRecord(s.st.calls, c)
	s.st.bump()
	s.mu.Unlock()
	s.log.Debug("webex emulator: call", "method", c.Method, "path", c.Path)
	return c
}

func (s *Server) finishCall(c *Call, status int) {
	s.mu.Lock()
	c.Status = status
	s.st.bump()
	s.mu.Unlock()
}
