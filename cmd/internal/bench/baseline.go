package bench

import (
	"context"
	"io"
	"net"
	"net/http"
	"time"
)

// Comparison is a run against a target and, with the same client and
// settings, against a no-op handler on loopback.
type Comparison struct {
	Target   Result `json:"target"`
	Baseline Result `json:"baseline"`
	Ratio    Ratio  `json:"ratio"`
}

// RunWithBaseline measures a no-op HTTP handler started in this process on
// loopback (it reads the body and answers 200 with a small JSON body, as
// ingest does), then cfg.URL, with one client, so the numbers can be read
// as the cost ingest adds over bare HTTP on this machine.
func RunWithBaseline(ctx context.Context, cfg Config) (Comparison, error) {
	if err := cfg.Validate(); err != nil {
		return Comparison{}, err
	}
	cfg = cfg.withDefaults()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Comparison{}, err
	}
	srv := &http.Server{Handler: noop(), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-served
	}()

	client := newClient(cfg)
	defer client.CloseIdleConnections()
	d := newDeliveries(cfg.Rooms)
	base := run(ctx, cfg, client, "http://"+ln.Addr().String()+"/noop", d)
	base.Target = "baseline (no-op handler)"
	if err := ctx.Err(); err != nil {
		return Comparison{}, err
	}
	client.CloseIdleConnections()
	target := run(ctx, cfg, client, cfg.URL, d)
	return Comparison{Target: target, Baseline: base, Ratio: Compare(target, base)}, nil
}

func noop() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"stored"}`)
	})
}
