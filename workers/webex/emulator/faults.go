package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Fault makes matching API requests fail or stall, to test how callers cope
// with rate limits, outages and timeouts.
type Fault struct {
	// Method matches the request method; empty matches any.
	Method string
	// Path is relative to /v1: an exact path ("/messages") or, ending in
	// "/", a prefix ("/messages/" matches every message id). Empty matches
	// every path. A leading "/v1" is accepted and dropped.
	Path string
	// Status is answered, with a Webex error body, instead of serving the
	// request; 0 serves it normally after Delay.
	Status int
	// RetryAfter is sent verbatim as the Retry-After header when not empty,
	// garbage included.
	RetryAfter string
	// Delay holds the request before answering. With Status 0 the request
	// is then served even if the client has given up, as Webex may still
	// act on a request whose caller timed out.
	Delay time.Duration
	// Times is how many requests the fault applies to; 0 means until
	// ClearFaults.
	Times int
	// Served makes the answer ambiguous: the request is served (a message
	// posted, say) and Status is answered instead of its result, as when
	// Webex acted on a request and the caller got a 502 or 504 from the
	// way back. It needs a Status.
	Served bool
	// Bot limits the fault to requests with that bot's token (its short
	// id, see BotSpec); empty matches every request, whatever its token.
	Bot string
	// For is how long the fault stays in force after it is injected (a
	// rate limit for a minute, say); 0 means until ClearFaults or Times
	// is used up. Faults reports what is left of it.
	For time.Duration
}

// faultJSON is Fault on the control API. Delay is a number of milliseconds
// or a Go duration string such as "1.5s".
type faultJSON struct {
	Method     string          `json:"method,omitempty"`
	Path       string          `json:"path,omitempty"`
	Status     int             `json:"status,omitempty"`
	RetryAfter string          `json:"retryAfter,omitempty"`
	Delay      json.RawMessage `json:"delay,omitempty"`
	Times      int             `json:"times,omitempty"`
	Served     bool            `json:"served,omitempty"`
	Bot        string          `json:"bot,omitempty"`
	For        json.RawMessage `json:"for,omitempty"`
}

func (f *Fault) UnmarshalJSON(b []byte) error {
	var j faultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	d, err := parseDelay(j.Delay)
	if err != nil {
		return err
	}
	span, err := parseDelay(j.For)
	if err != nil {
		return fmt.Errorf("for: %w", err)
	}
	*f = Fault{Method: j.Method, Path: j.Path, Status: j.Status, RetryAfter: j.RetryAfter, Delay: d, Times: j.Times, Served: j.Served, Bot: j.Bot, For: span}
	return nil
}

func (f Fault) MarshalJSON() ([]byte, error) {
	j := faultJSON{Method: f.Method, Path: f.Path, Status: f.Status, RetryAfter: f.RetryAfter, Times: f.Times, Served: f.Served, Bot: f.Bot}
	if f.Delay != 0 {
		j.Delay, _ = json.Marshal(f.Delay.String())
	}
	if f.For != 0 {
		j.For, _ = json.Marshal(f.For.String())
	}
	return json.Marshal(j)
}

func parseDelay(raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var ms float64
	if json.Unmarshal(raw, &ms) == nil {
		return time.Duration(ms * float64(time.Millisecond)), nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			return time.Duration(n * float64(time.Millisecond)), nil
		}
		if d, err := time.ParseDuration(s); err == nil {
			return d, nil
		}
	}
	return 0, errors.New(`delay must be milliseconds or a duration string such as "1.5s"`)
}

// activeFault is an injected fault and how many more requests it applies to.
type activeFault struct {
	Fault
	left  int       // 0 = unlimited
	until time.Time // zero = no end in time
}

// expired reports whether the fault's For has run out at now.
func (f *activeFault) expired(now time.Time) bool {
	return !f.until.IsZero() && !now.Before(f.until)
}

// InjectFault adds a fault; faults apply in the order they were injected,
// the first match winning. A fault for a bot the emulator does not serve
// is refused with ErrNoBot.
func (s *Server) InjectFault(f Fault) error {
	if f.Bot != "" && s.byID[f.Bot] == nil {
		return s.noBot(f.Bot)
	}
	f.Path = trimV1(f.Path)
	f.Method = strings.ToUpper(f.Method)
	af := &activeFault{Fault: f, left: f.Times}
	if f.For > 0 {
		af.until = s.now().Add(f.For)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.faults = append(s.st.faults, af)
	s.st.bump()
	return nil
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.faults = nil
	s.st.bump()
}

// Faults returns the faults still in force, with Times showing how many
// requests each still applies to.
func (s *Server) Faults() []Fault {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropExpiredLocked(now)
	out := make([]Fault, len(s.st.faults))
	for i, f := range s.st.faults {
		out[i] = f.Fault
		out[i].Times = f.left
		if !f.until.IsZero() {
			out[i].For = f.until.Sub(now)
		}
	}
	return out
}

// dropExpiredLocked removes the faults whose For ran out. It must be
// called with s.mu held.
func (s *Server) dropExpiredLocked(now time.Time) {
	n := len(s.st.faults)
	s.st.faults = slices.DeleteFunc(s.st.faults, func(f *activeFault) bool { return f.expired(now) })
	if len(s.st.faults) != n {
		s.st.bump()
	}
}

// matches reports whether the fault applies to a request; botID is the
// short id of the bot whose token the request carries, empty for none.
func (f *Fault) matches(method, path, botID string) bool {
	if f.Method != "" && f.Method != method {
		return false
	}
	if f.Bot != "" && f.Bot != botID {
		return false
	}
	switch {
	case f.Path == "":
		return true
	case strings.HasSuffix(f.Path, "/"):
		return strings.HasPrefix(path, f.Path)
	}
	return path == f.Path
}

// takeFault returns the first fault matching the request, using up one of
// its Times.
func (s *Server) takeFault(method, path, botID string) (Fault, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropExpiredLocked(now)
	for i, f := range s.st.faults {
		if !f.matches(method, path, botID) {
			continue
		}
		if f.left > 0 {
			s.st.bump()
			f.left--
			if f.left == 0 {
				s.st.faults = append(s.st.faults[:i:i], s.st.faults[i+1:]...)
			}
		}
		return f.Fault, true
	}
	return Fault{}, false
}

// applyFault applies a matching fault; it reports whether it answered the
// request. A served fault (Fault.Served) is returned after its delay for
// the caller to answer once the request was served (see answerServed).
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, path string, b *bot) (answered bool, served *Fault) {
	botID := ""
	if b != nil {
		botID = b.id
	}
	f, ok := s.takeFault(r.Method, path, botID)
	if !ok {
		return false, nil
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.done:
			writeError(w, failf(http.StatusServiceUnavailable, "The emulator is shutting down."))
			return true, nil
		}
	}
	switch {
	case f.Status == 0:
		return false, nil
	case f.Served:
		return false, &f
	}
	answerFault(w, f)
	return true, nil
}

// answerFault answers f's status with a Webex error body.
func answerFault(w http.ResponseWriter, f Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	writeError(w, failf(f.Status, "Injected fault: %d %s.", f.Status, http.StatusText(f.Status)))
}

// answerServed serves r with next, drops its answer and answers f's status
// instead.
func answerServed(w http.ResponseWriter, r *http.Request, next http.Handler, f Fault) {
	next.ServeHTTP(&droppedAnswer{header: http.Header{}}, r)
	answerFault(w, f)
}

// droppedAnswer is a ResponseWriter that keeps nothing.
type droppedAnswer struct{ header http.Header }

func (d *droppedAnswer) Header() http.Header         { return d.header }
func (d *droppedAnswer) Write(b []byte) (int, error) { return len(b), nil }
func (d *droppedAnswer) WriteHeader(int)             {}

// validate checks a fault from the control API.
func (f *Fault) validate() error {
	switch {
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return fmt.Errorf("status %d is not an HTTP status", f.Status)
	case f.Status == 0 && f.Delay <= 0:
		return errors.New("a fault needs a status or a delay")
	case f.Served && f.Status == 0:
		return errors.New("a served fault needs the status to answer")
	case f.Delay < 0 || f.Times < 0 || f.For < 0:
		return errors.New("delay, times and for must not be negative")
	}
	return nil
}
