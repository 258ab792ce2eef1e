package process

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/spf13/pflag"
)

// DebugOptions turn on the Go profiler's HTTP endpoints on their own
// listener, apart from the webhook and metrics ports: a profile shows
// internals, so the address should stay on loopback or a private network.
type DebugOptions struct {
	Addr string
}

// AddFlags registers --debug-addr.
func (o *DebugOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Addr, "debug-addr", "", "address of a /debug/pprof/ listener for profiling, e.g. 127.0.0.1:6060 (keep it private); empty: off")
}

// Start serves /debug/pprof/ on o.Addr until stop is called. With no
// address it does nothing. An address that cannot be bound is an error at
// start.
func (o DebugOptions) Start(log *slog.Logger) (stop func(), err error) {
	if o.Addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// No WriteTimeout: a CPU profile or trace streams for as long as asked.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}
	log.Info("serving profiles", "addr", ln.Addr().String())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("debug server", "err", err)
		}
	}()
	return func() {
		srv.Close()
		<-done
	}, nil
}
