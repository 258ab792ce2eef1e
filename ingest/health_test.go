package ingest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestHealthz(t *testing.T) {
	e := newEnv(t, nil)
	if r := e.get(t, "/healthz"); r.status != 200 || r.str("status") != "ok" {
		t.Fatalf("healthz %d %v, want 200 ok", r.status, r.body)
	}
}

// TestMetricsEndpoint: /metrics serves the injected registry, with every
// outcome present from the start and no secret anywhere.
func TestMetricsEndpoint(t *testing.T) {
	e := newEnv(t, nil)
	body := webhook("messages", "created", "metrics-1", "room-1")
	if r := e.post(t, body, signedHeaders(body)); r.status != 200 {
		t.Fatalf("post: %d", r.status)
	}
	resp, err := http.Get(e.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	text := string(raw)
	if resp.StatusCode != 200 {
		t.Fatalf("metrics %d", resp.StatusCode)
	}
	for _, want := range []string{
		`webexpipe_ingest_requests_total{bot="default",outcome="stored"} 1`,
		`webexpipe_ingest_requests_total{bot="default",outcome="unauthorized"} 0`,
		`webexpipe_ingest_requests_total{bot="",outcome="not_found"} 0`,
		`webexpipe_ingest_publish_duration_seconds_count{result="ok"} 1`,
		`webexpipe_ingest_publish_duration_seconds_bucket{result="ok",le="0.0005"}`,
		`webexpipe_ingest_publish_errors_total{kind="timeout"} 0`,
		`webexpipe_ingest_request_body_bytes_count 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(text, string(secretA)) || strings.Contains(text, string(secretB)) {
		t.Errorf("metrics contain a secret")
	}
}
