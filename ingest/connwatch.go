package ingest

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
)

// net/http answers some requests itself before any handler runs: 431 when
// the headers are too large, 501 for a transfer coding it does not know,
// 505 for another HTTP version, 400 for a request it cannot parse (bad
// request line, header or framing, no Host), 417 for an Expect other than
// 100-continue. It writes these straight to the connection and neither
// logs nor counts them. Serve therefore hands the server watchedConns,
// which see every response go out: one a handler did not write is such a
// refusal, and is logged and counted.
//
// A connection a handler served is marked by Service.markHandled; each
// final response written (1xx are not) answers one marked request, or,
// when none is waiting, is the server's own.

// watchedListener wraps each accepted connection in a watchedConn.
type watchedListener struct {
	net.Listener
	refused func(c net.Conn, status int, text string)
}

func (l *watchedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &watchedConn{Conn: c, refused: l.refused}, nil
}

// watchedConn is a server connection that notices the responses written
// on it that no handler wrote. net/http serves an HTTP/1 connection's
// requests one at a time, on one goroutine, so handled never sees two
// requests at once; it is atomic all the same, which costs nothing.
type watchedConn struct {
	net.Conn
	handled atomic.Int64 // requests a handler took whose response has not gone out
	refused func(c net.Conn, status int, text string)
}

func (c *watchedConn) Write(p []byte) (int, error) {
	if status, text, ok := responseStatus(p); ok && status >= 200 {
		if c.handled.Load() > 0 {
			c.handled.Add(-1)
		} else if status >= 400 {
			c.refused(c, status, text)
		}
	}
	return c.Conn.Write(p)
}

// CloseWrite passes on the half-close net/http makes before it closes a
// connection whose request it refused (431, a body over the limit), so
// that the client reads the answer rather than a reset.
func (c *watchedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

type watchedConnKey struct{}

// connContext remembers a request's watchedConn in its context, for
// markHandled; it is the server's ConnContext.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if wc, ok := c.(*watchedConn); ok {
		return context.WithValue(ctx, watchedConnKey{}, wc)
	}
	return ctx
}

// markHandled wraps the server's handler: the response to a request it
// sees is not net/http's own.
func markHandled(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wc, ok := r.Context().Value(watchedConnKey{}).(*watchedConn); ok {
			wc.handled.Add(1)
		}
		h.ServeHTTP(w, r)
	})
}

// responseStatus reads the status line p starts with, if it starts one:
// "HTTP/1.1 431 Request Header Fields Too Large\r\n...". The text is
// net/http's own (it never echoes the request), cut to 80 bytes.
func responseStatus(p []byte) (status int, text string, ok bool) {
	const prefix = "HTTP/1.x NNN "
	if len(p) < len(prefix) || !bytes.HasPrefix(p, []byte("HTTP/1.")) || p[8] != ' ' || p[12] != ' ' {
		return 0, "", false
	}
	status, err := strconv.Atoi(string(p[9:12]))
	if err != nil {
		return 0, "", false
	}
	line := p[len(prefix):]
	if i := bytes.IndexByte(line, '\r'); i >= 0 {
		line = line[:i]
	}
	return status, truncate(string(line), 80), true
}

// serverRefused logs and counts a refusal net/http made itself.
func (s *Service) serverRefused(c net.Conn, status int, text string) {
	outcome := outcomeMalformedRequest
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		outcome = outcomeHeaderTooLarge
	case http.StatusNotImplemented:
		outcome = outcomeNotImplemented
	case http.StatusHTTPVersionNotSupported:
		outcome = outcomeVersionNotSupported
	}
	s.metrics.requests.WithLabelValues(outcome, noBot).Inc()
	s.log.LogAttrs(context.Background(), slog.LevelWarn, "request refused by the HTTP server",
		slog.String("outcome", outcome),
		slog.Int("status", status),
		slog.String("reason", text),
		slog.String("remote", c.RemoteAddr().String()),
	)
}
