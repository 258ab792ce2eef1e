package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTinyRun runs the harness end to end in a small configuration: the
// working tree's binaries only, one nats-server, one scenario, a short
// latency, a second of ingest load. It checks that every figure a
// capacity model reads is there and plausible, not how large it is.
func TestTinyRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real binaries")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	repo, err := moduleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaultConfig()
	cfg.Repo, cfg.Base = repo, ""
	cfg.Servers = []int{1}
	cfg.Scenarios = []scenario{{Mode: modeShared, Concurrency: 8, Replicas: 1, Shards: 1}}
	cfg.Latency = 5 * time.Millisecond
	cfg.Rooms = 50
	cfg.Warmup, cfg.Window = 300*time.Millisecond, 1500*time.Millisecond
	cfg.MaxEvents = 5000
	cfg.IngestConnections, cfg.IngestDuration = 4, time.Second
	cfg.LogLevel = "warn"
	cfg.JSONPath = filepath.Join(t.TempDir(), "out", "scale.json")

	var out, progress bytes.Buffer
	rep, err := measure(ctx, cfg, &out, &progress)
	if err != nil {
		t.Fatalf("measure: %v\n%s", err, progress.String())
	}
	if len(rep.Workers) != 1 || len(rep.Ingest) != 1 {
		t.Fatalf("got %d worker rows and %d ingest rows, want 1 and 1", len(rep.Workers), len(rep.Ingest))
	}
	w := rep.Workers[0]
	if w.Error != "" {
		t.Fatalf("scenario failed: %s", w.Error)
	}
	if w.Handled <= 0 || w.Replies <= 0 {
		t.Fatalf("handled %d, replies %d in the window: want both above 0", w.Handled, w.Replies)
	}
	// An event is acknowledged after its reply, and the two counts are
	// read a moment apart: they differ by at most the events in flight
	// at either end.
	if d := w.Handled - w.Replies; d > 2*int64(w.Scenario.slots()) || d < -2*int64(w.Scenario.slots()) {
		t.Errorf("handled %d and replies %d differ by more than the events in flight", w.Handled, w.Replies)
	}
	if w.EventsPerSec <= 0 || w.ServerCPUPerEvent <= 0 || w.WorkerCPUPerEvent <= 0 || w.HeapStart <= 0 || w.HeapEnd <= 0 {
		t.Errorf("missing per-event figures: %+v", w)
	}
	if w.BacklogRanOut {
		t.Errorf("the backlog ran out of %d events", cfg.MaxEvents)
	}
	in := rep.Ingest[0]
	if in.Error != "" || in.Stored <= 0 || in.IngestCPUPerEvent <= 0 || len(in.Errors) != 0 {
		t.Errorf("ingest row: %+v", in)
	}

	table := out.String()
	for _, want := range []string{"| R1 | head | shared | 8 | 1 | 1 |", "| R1 | head | 4 |"} {
		if !strings.Contains(table, want) {
			t.Errorf("the tables lack %q:\n%s", want, table)
		}
	}
	b, err := os.ReadFile(cfg.JSONPath)
	if err != nil {
		t.Fatal(err)
	}
	var back report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("JSON report: %v", err)
	}
	if len(back.Workers) != 1 || back.Workers[0].Handled != w.Handled || back.Ingest[0].Stored != in.Stored {
		t.Errorf("JSON report differs from the run: %s", b)
	}
}

func TestParseScenarios(t *testing.T) {
	tests := []struct {
		name, spec string
		want       []scenario
		wantErr    string
	}{
		{name: "defaults shards to 1", spec: "shared:16:1, ordered:64:2",
			want: []scenario{{modeShared, 16, 1, 1}, {modeOrdered, 64, 2, 1}}},
		{name: "explicit shard count of 1", spec: "shared:256:4:1", want: []scenario{{modeShared, 256, 4, 1}}},
		{name: "unknown mode", spec: "fifo:16:1", wantErr: "mode"},
		{name: "missing replicas", spec: "shared:16", wantErr: "want mode:concurrency:replicas"},
		{name: "zero concurrency", spec: "shared:0:1", wantErr: "positive"},
		{name: "shards", spec: "shared:16:1:4", want: []scenario{{modeShared, 16, 1, 4}}},
		{name: "more shards than partitions", spec: "shared:16:1:17", wantErr: "at most the partitions"},
		{name: "empty", spec: " , ", wantErr: "no scenarios"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseScenarios(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("scenario %d: got %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestParseProcFigures(t *testing.T) {
	// user nice system idle iowait irq softirq steal guest guest_nice
	a := parseMachineCPU("cpu  100 0 50 800 50 0 0 0 30 0")
	b := parseMachineCPU("cpu  250 0 100 1000 50 0 0 0 90 0")
	if a.total != 1000 || a.busy != 150 {
		t.Errorf("parseMachineCPU = %+v, want busy 150 of 1000 (guest is inside user)", a)
	}
	if got := busyShare(a, b); got != 0.5 {
		t.Errorf("busyShare = %v, want 0.5 (200 busy of 400)", got)
	}
	profile := "heap profile: 1: 2 [3: 4] @ heap/1048576\n# runtime.MemStats\n# HeapAlloc = 10\n# HeapInuse = 123456\n# Stack = 1\n"
	if got, err := parseHeapInUse(strings.NewReader(profile)); err != nil || got != 123456 {
		t.Errorf("parseHeapInUse = %d, %v; want 123456", got, err)
	}
	if _, err := parseHeapInUse(strings.NewReader("heap profile: nothing else\n")); err == nil {
		t.Error("parseHeapInUse of a profile without HeapInuse: no error")
	}
}

func TestRatiosPairHeadWithBase(t *testing.T) {
	sc := scenario{modeShared, 64, 2, 1}
	other := scenario{modeOrdered, 16, 1, 1}
	rows := []workerRow{
		{Servers: 1, Build: "base", Scenario: sc, EventsPerSec: 100, ServerCPUPerEvent: 40, WorkerCPUPerEvent: 200, HeapPerEvent: 1000},
		{Servers: 1, Build: "head", Scenario: sc, EventsPerSec: 250, ServerCPUPerEvent: 20, WorkerCPUPerEvent: 100, HeapPerEvent: 250},
		{Servers: 3, Build: "head", Scenario: sc, EventsPerSec: 90},                     // no base at R3
		{Servers: 1, Build: "base", Scenario: other, Error: "a worker exited"},          // failed base
		{Servers: 1, Build: "head", Scenario: other, EventsPerSec: 50, HeapPerEvent: 1}, // so no ratio
	}
	got := ratios(rows)
	if len(got) != 1 {
		t.Fatalf("got %d ratios, want 1: %+v", len(got), got)
	}
	r := got[0]
	if r.Servers != 1 || r.Scenario != sc || r.EventsPer != 2.5 || r.ServerCPU != 0.5 || r.WorkerCPU != 0.5 || r.Heap != 0.25 {
		t.Errorf("ratio %+v, want R1 %v with 2.5, 0.5, 0.5, 0.25", r, sc)
	}
}

func TestHelpDefault(t *testing.T) {
	help := "      --processed-ttl duration        how long a worker remembers it handled an event (default 26h0m0s)\n" +
		"      --duplicate-window duration     how long a redelivered webhook is recognised and stored once (default 2m0s)\n"
	if d, err := helpDefault(help, "processed-ttl"); err != nil || d != 26*time.Hour {
		t.Errorf("processed-ttl: %v %v", d, err)
	}
	if d, err := helpDefault(help, "duplicate-window"); err != nil || d != 2*time.Minute {
		t.Errorf("duplicate-window: %v %v", d, err)
	}
	if _, err := helpDefault(help, "events-max-age"); err == nil {
		t.Error("a flag the help lacks has a default")
	}
	if got := scaled(168*time.Hour, 7200, time.Second); got != 84*time.Second {
		t.Errorf("scaled 168h by 7200: %s", got)
	}
	if got := scaled(10*time.Minute, 7200, time.Second); got != time.Second {
		t.Errorf("scaled 10m by 7200: %s, want the floor", got)
	}
}
