package ingest

import (
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"
)

// rejection is a delivery refused before anything was stored: the status
// and short reason the client gets, and the outcome it is counted under.
type rejection struct {
	status  int
	outcome string
	reason  string
}

type errorBody struct {
	Error string `json:"error"`
}

type storedBody struct {
	Status    string `json:"status"`
	StreamSeq uint64 `json:"stream_seq,omitempty"`
	Duplicate bool   `json:"duplicate"`
}

type statusBody struct {
	Status string       `json:"status"`
	Error  string       `json:"error,omitempty"`
	Spool  *spoolStatus `json:"spool,omitempty"`
}

type spoolStatus struct {
	Records  int   `json:"records"`
	Bytes    int64 `json:"bytes"`
	MaxBytes int64 `json:"max_bytes"`
}

// writeJSON answers with v as the JSON body. Marshalling the fixed body
// types above cannot fail.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	setJSONHeaders(w.Header())
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeStored answers 200 for a stored delivery: the same body writeJSON
// makes of a storedBody, built without reflection since every stored
// delivery is answered with it.
func writeStored(w http.ResponseWriter, seq uint64, duplicate bool) {
	var buf [80]byte
	b := append(buf[:0], `{"status":"stored"`...)
	if seq != 0 {
		b = append(b, `,"stream_seq":`...)
		b = strconv.AppendUint(b, seq, 10)
	}
	b = append(b, `,"duplicate":`...)
	b = strconv.AppendBool(b, duplicate)
	b = append(b, "}\n"...)
	setJSONHeaders(w.Header())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// The response headers of every answer, in canonical form and set by
// assignment, which skips canonicalising them on every request. The
// slices are never modified.
var (
	headerJSON    = []string{"application/json"}
	headerNoStore = []string{"no-store"}
	headerNoSniff = []string{"nosniff"}
)

func setJSONHeaders(h http.Header) {
	h["Content-Type"] = headerJSON
	h["Cache-Control"] = headerNoStore
	h["X-Content-Type-Options"] = headerNoSniff
}

// reject answers a request refused before its bot was known, logs one
// line and counts it.
func (s *Service) reject(w http.ResponseWriter, r *http.Request, rej rejection) {
	s.refuse(w, r, noBot, rej)
}

// refuse answers a refused delivery for bot (noBot: not known), logs one
// line and counts it.
func (s *Service) refuse(w http.ResponseWriter, r *http.Request, bot string, rej rejection) {
	switch rej.status {
	case http.StatusMethodNotAllowed:
		if w.Header().Get("Allow") == "" {
			w.Header().Set("Allow", http.MethodPost)
		}
	case http.StatusRequestEntityTooLarge:
		// Do not keep reading a body we will not take.
		w.Header().Set("Connection", "close")
	}
	writeJSON(w, rej.status, errorBody{Error: rej.reason})
	s.metrics.requests.WithLabelValues(rej.outcome, bot).Inc()
	traceAnswer(r.Context(), rej.status, rej.outcome, 0)
	msg := "webhook refused"
	if bot == noBot && r.URL.Path != s.cfg.Path {
		msg = "request refused"
	}
	s.log.LogAttrs(r.Context(), slog.LevelWarn, msg,
		slog.String("path", truncate(r.URL.Path, 80)),
		slog.String("bot", bot),
		slog.String("outcome", rej.outcome),
		slog.Int("status", rej.status),
		slog.String("reason", rej.reason),
		slog.String("method", r.Method),
		slog.String("remote", r.RemoteAddr),
		slog.Int64("content_length", r.ContentLength),
	)
}

// retryAfterSeconds renders d as Retry-After wants it: whole seconds,
// rounded up, at least 1.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}
