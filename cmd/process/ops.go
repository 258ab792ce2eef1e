package process

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ErrOpsListen means the ops server (/metrics, /healthz, /readyz) could not
// listen on its address. The binary stops: running on without the probes
// would get it restarted or, worse, treated as healthy with no metrics.
var ErrOpsListen = errors.New("ops server cannot listen")

// NewRegistry returns a registry with the Go runtime and process
// collectors and webexpipe_build_info.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), buildInfoCollector(Build()))
	return reg
}

// OpsServer serves a binary's operational endpoints: /metrics, /healthz
// (the process is alive: always 200) and /readyz (200 when ready returns
// nil, else 503 with its error). A NATS outage makes a worker unready,
// not dead: restarting it would not help.
type OpsServer struct {
	srv  *http.Server
	addr string
	done chan struct{} // closed when Serve returned
	err  error         // Serve's error, nil after a Close; set before done closes
}

// StartOps listens on addr now, so a taken port is an error for the
// caller to stop on (ErrOpsListen), and serves in the background until
// Close.
func StartOps(addr string, reg *prometheus.Registry, ready func() error, log *slog.Logger) (*OpsServer, error) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := ready(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w on %s (--metrics-addr): %w", ErrOpsListen, addr, err)
	}
	s := &OpsServer{
		srv: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       60 * time.Second,
		},
		addr: ln.Addr().String(),
		done: make(chan struct{}),
	}
	log.Info("serving metrics", "addr", s.addr)
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.err = fmt.Errorf("ops server on %s: %w", s.addr, err)
		}
	}()
	return s, nil
}

// Addr is the address the server listens on.
func (s *OpsServer) Addr() string { return s.addr }

// Done is closed when the server stopped, after Close or on its own; Err
// then says why.
func (s *OpsServer) Done() <-chan struct{} { return s.done }

// Err is why the server stopped on its own, once Done is closed; nil after
// Close.
func (s *OpsServer) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// Close stops the server, letting requests under way finish for up to 5s,
// and waits for it.
func (s *OpsServer) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
	<-s.done
}

// ServeOps runs an OpsServer on addr until ctx ends. It returns at once
// with ErrOpsListen when addr cannot be listened on.
func ServeOps(ctx context.Context, addr string, reg *prometheus.Registry, ready func() error, log *slog.Logger) error {
	s, err := StartOps(addr, reg, ready, log)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		s.Close()
		return nil
	case <-s.Done():
		return s.Err()
	}
}
