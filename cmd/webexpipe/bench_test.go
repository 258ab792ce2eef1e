package main

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/webexpipe/webexpipe/cmd/internal/bench"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/ingest"
)

// TestBenchCommand runs `webexpipe bench --baseline --json` against an
// ingest in this process: the flags reach the tool and the JSON reads back.
func TestBenchCommand(t *testing.T) {
	const secret = "bench-command-secret"
	_, nc, js := localnats.StartProvisioned(t)
	svc, err := ingest.New(ingest.Config{Secrets: [][]byte{[]byte(secret)}}, nc, js)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(svc.Handler())
	t.Cleanup(hs.Close)

	stdout, stderr, err := runCLI(t, "bench", "--url", hs.URL+ingest.DefaultPath, "--webex-webhook-secret", secret,
		"--connections", "2", "--count", "40", "--baseline", "--json")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var c bench.Comparison
	if err := json.Unmarshal([]byte(stdout), &c); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if c.Target.OK != 40 || c.Baseline.OK != 40 {
		t.Errorf("ok: target %d, baseline %d; want 40 each\n%s", c.Target.OK, c.Baseline.OK, stdout)
	}
}
