package main

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/cmd/internal/bench"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/workers/cards"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/memberships"
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

// The synthetic events of `webexpipe bench` are stored like real ones but
// on a resource no worker type consumes: benching `make run` leaves its
// workers idle and its dead letters empty.
func TestBenchEventsReachNoWorker(t *testing.T) {
	const secret = "bench-no-worker-secret"
	_, nc, js := localnats.StartProvisioned(t)
	svc, err := ingest.New(ingest.Config{Secrets: [][]byte{[]byte(secret)}}, nc, js)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(svc.Handler())
	t.Cleanup(hs.Close)
	ctx := t.Context()
	workerEvents := map[string][]events.ResourceEvent{echo.Name: echo.Events, cards.Name: cards.Events, memberships.Name: memberships.Events}
	for name, evs := range workerEvents {
		cfg, err := events.ConsumerConfig(events.ConsumerOptions{Worker: name, Events: evs})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.CreateOrUpdateConsumer(ctx, events.EventsStream, cfg); err != nil {
			t.Fatal(err)
		}
	}

	if _, stderr, err := runCLI(t, "bench", "--url", hs.URL+ingest.DefaultPath, "--webex-webhook-secret", secret,
		"--connections", "2", "--count", "30", "--json"); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	s, err := js.Stream(ctx, events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(events.EventFilter(bench.Resource, bench.Event)))
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 30 {
		t.Errorf("%d events stored in all, want the 30 sent", info.State.Msgs)
	}
	var onBench uint64
	for _, n := range info.State.Subjects {
		onBench += n
	}
	if onBench != 30 {
		t.Errorf("%d events on %s, want all 30", onBench, events.EventFilter(bench.Resource, bench.Event))
	}
	// Stored before bench returned (200 only after the PubAck): a consumer
	// that would deliver them counts them as pending now.
	for name := range workerEvents {
		c, err := js.Consumer(ctx, events.EventsStream, name)
		if err != nil {
			t.Fatal(err)
		}
		ci, err := c.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ci.NumPending != 0 {
			t.Errorf("%d bench events pending for the %s worker, want none", ci.NumPending, name)
		}
	}
}
