package ingest

import (
	"log/slog"
	"net/http"
	"testing"
	"time"
)

// TestHTTPServerTimeouts: every bound of ServerConfig reaches http.Server,
// with the documented defaults for zero fields.
func TestHTTPServerTimeouts(t *testing.T) {
	type bounds struct {
		readHeader, read, write, idle time.Duration
		maxHeader                     int
	}
	s := &Service{log: slog.New(slog.DiscardHandler), handler: http.NotFoundHandler()}
	tests := []struct {
		name string
		sc   ServerConfig
		want bounds
	}{
		{"defaults", ServerConfig{}, bounds{5 * time.Second, 10 * time.Second, 15 * time.Second, 60 * time.Second, 64 << 10}},
		{"custom", ServerConfig{ReadHeaderTimeout: 1, ReadTimeout: 2, WriteTimeout: 3, IdleTimeout: 4, MaxHeaderBytes: 5}, bounds{1, 2, 3, 4, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := s.newHTTPServer(tc.sc.withDefaults())
			got := bounds{srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes}
			if got != tc.want {
				t.Errorf("server bounds %+v, want %+v", got, tc.want)
			}
			if srv.ErrorLog == nil {
				t.Error("server errors are not routed to the logger")
			}
		})
	}
	if sc := (ServerConfig{}).withDefaults(); sc.Addr != ":8080" || sc.ShutdownTimeout != 10*time.Second {
		t.Errorf("defaults addr %q shutdown %s", sc.Addr, sc.ShutdownTimeout)
	}
}

// A watchedConn keeps the half-close net/http relies on when it refuses a
// request and closes the connection.
var _ interface{ CloseWrite() error } = (*watchedConn)(nil)
