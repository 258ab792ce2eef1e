package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// standIn is the emulator serving the workers as Webex, with the latency
// and rate limit of the run, and a count of what it answered.
type standIn struct {
	emu *emulator.Server
	srv *http.Server
	url string // the API root, .../v1

	replies atomic.Int64 // POST /v1/messages answered 200: the bot's replies
	limited atomic.Int64 // API calls answered 429
}

func startStandIn(cfg config) (*standIn, error) {
	s := &standIn{emu: emulator.New(emulator.Options{
		Pace: emulator.Pace{Latency: cfg.Latency, Rate: cfg.Rate, Burst: cfg.Burst},
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.srv = &http.Server{Handler: s.count(s.emu.Handler()), ReadHeaderTimeout: 10 * time.Second}
	s.url = "http://" + ln.Addr().String() + "/v1"
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// count counts the replies and the refusals for the rate as they are
// answered; reading the emulator's own records would copy them each time.
func (s *standIn) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		switch {
		case sw.status == http.StatusTooManyRequests:
			s.limited.Add(1)
		case sw.status == http.StatusOK && r.Method == http.MethodPost && r.URL.Path == "/v1/messages":
			s.replies.Add(1)
		}
	})
}

func (s *standIn) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Closing the emulator first ends the calls its latency holds.
	_ = s.emu.Close()
	if err := s.srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
		_ = s.srv.Close()
	}
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
