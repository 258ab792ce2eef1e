package bench_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/cmd/internal/bench"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/workers/echo"
)

var secret = []byte("bench-test-secret-never-logged")

// startIngest runs ingest in this process in front of an embedded
// JetStream and returns its webhook URL.
func startIngest(t *testing.T) string {
	t.Helper()
	_, nc, js := localnats.StartProvisioned(t)
	svc, err := ingest.New(ingest.Config{Secrets: [][]byte{secret}}, nc, js)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(svc.Handler())
	t.Cleanup(hs.Close)
	return hs.URL + ingest.DefaultPath
}

func TestRunAgainstIngest(t *testing.T) {
	url := startIngest(t)
	tests := []struct {
		name string
		cfg  bench.Config
	}{
		{"closed loop by count", bench.Config{Connections: 4, Count: 200}},
		{"fixed rate by duration", bench.Config{Rate: 200, Connections: 8, Duration: 300 * time.Millisecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.URL, tc.cfg.Secret = url, secret
			c, err := bench.RunWithBaseline(t.Context(), tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []bench.Result{c.Baseline, c.Target} {
				if r.OK == 0 || r.OK != r.Sent || len(r.Errors) != 0 {
					t.Errorf("%s: sent %d, ok %d, errors %v", r.Target, r.Sent, r.OK, r.Errors)
				}
				if r.Latency.P50 <= 0 || r.Latency.P50 > r.Latency.P99 || r.Latency.P99 > r.Latency.Max {
					t.Errorf("%s: percentiles out of order: %+v", r.Target, r.Latency)
				}
			}
			if tc.cfg.Count > 0 && c.Target.Sent != tc.cfg.Count {
				t.Errorf("sent %d, want %d", c.Target.Sent, tc.cfg.Count)
			}
			if c.Ratio.Throughput <= 0 {
				t.Errorf("ratio %+v", c.Ratio)
			}
		})
	}
}

func TestWrongSecretIsCountedByStatus(t *testing.T) {
	r, err := bench.Run(t.Context(), bench.Config{URL: startIngest(t), Secret: []byte("not-the-secret"), Count: 10, Connections: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK != 0 || r.Errors["401"] != 10 {
		t.Errorf("ok %d, errors %v; want 10 × 401", r.OK, r.Errors)
	}
}

func TestRefusesWhatIsNotLoopback(t *testing.T) {
	for _, u := range []string{"http://example.com/webhooks/webex", "http://10.0.0.1:8080/", "https://127.0.0.1/"} {
		_, err := bench.Run(context.Background(), bench.Config{URL: u, Secret: secret, Count: 1})
		if !errors.Is(err, bench.ErrNotLoopback) && !errors.Is(err, bench.ErrInvalidConfig) {
			t.Errorf("%s: err %v", u, err)
		}
	}
}

func TestE2EThroughPipeline(t *testing.T) {
	p := pipelinetest.Start(t, pipelinetest.Options{})
	h, err := echo.New(p.Client, echo.Config{Mode: echo.ModeText})
	if err != nil {
		t.Fatal(err)
	}
	p.StartWorker(p.WorkerConfig(echo.Name, echo.Events), h)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	r, err := bench.RunE2E(ctx, bench.E2EConfig{SimURL: p.Sim.URL(), Rate: 100, Count: 30, Users: 3, Wait: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r.Posted != 30 || r.Replied != 30 || r.Missing != 0 || r.Duplicates != 0 {
		t.Errorf("%+v", r)
	}
	if r.Latency.P50 < 0 || r.Latency.Max > 15000 {
		t.Errorf("latency %+v", r.Latency)
	}
}
