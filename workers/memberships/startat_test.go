package memberships_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/memberships"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// recorder remembers the memberships a handler was called for.
type recorder struct {
	next workers.Handler
	mu   sync.Mutex // guards ids
	ids  []string
}

func (r *recorder) Handle(ctx context.Context, ev *workers.Event) error {
	r.mu.Lock()
	r.ids = append(r.ids, ev.Envelope.Data.ID)
	r.mu.Unlock()
	return r.next.Handle(ctx, ev)
}

func (r *recorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids)
}

// join announces that someone joined a space; the event is stored once it
// returns.
func join(t *testing.T, p *pipelinetest.Pipeline, who string) string {
	t.Helper()
	// Counted before the change: its delivery may be recorded by the time
	// ChangeMembership returns.
	before := len(p.Sim.Deliveries())
	m, err := p.Sim.ChangeMembership(emulator.MembershipChange{RoomID: "space", PersonEmail: who + "@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	p.Settle(before + 1)
	return m.ID
}

// TestNewWorkerTypeStartAt starts a worker type for the first time after
// five memberships were stored, two of them before a point in time, and
// checks which it handles for each start position. Each case is a worker
// type of its own (its own durable consumer) on one pipeline.
func TestNewWorkerTypeStartAt(t *testing.T) {
	p := pipelinetest.Start(t, pipelinetest.Options{Webhooks: []events.ResourceEvent{{Resource: "memberships", Event: "all"}}})
	early := []string{join(t, p, "ana"), join(t, p, "ben")}
	at := time.Now()
	waitfor.Until(t, 5*time.Second, func() (bool, string) { return time.Now().After(at), "clock did not move" })
	late := []string{join(t, p, "cleo"), join(t, p, "dev"), join(t, p, "eli")}

	tests := []struct {
		name  string
		start workers.StartAt
		want  []string
		next  bool // a membership after the start, which every case handles
	}{
		{name: "all", start: workers.StartAll, want: slices.Concat(early, late)},
		{name: "time", start: workers.StartTime(at), want: late},
		{name: "new", start: workers.StartNew, next: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := memberships.New(memberships.Config{Logger: pipelinetest.Logger(t)})
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{next: h}
			cfg := p.WorkerConfig("memberships_"+tt.name, memberships.Events)
			cfg.StartAt = tt.start
			p.StartWorker(cfg, rec)
			want := slices.Clone(tt.want)
			if tt.next {
				want = append(want, join(t, p, "fay"))
			}
			p.Settle(len(p.Sim.Deliveries()))
			got := rec.seen()
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("handled %d memberships %v, want %d %v", len(got), got, len(want), want)
			}
		})
	}
}

func TestHandlerLogsAndCounts(t *testing.T) {
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	h, err := memberships.New(memberships.Config{Logger: slogText(&logs), Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, event, room, person string
		wantErr                   bool
		log                       string
	}{
		{name: "joined", event: "created", room: "r-1", person: "ana@example.com", log: "person joined a room"},
		{name: "left", event: "deleted", room: "r-1", person: "ana@example.com", log: "person left a room"},
		{name: "updated", event: "updated", room: "r-1", person: "ana@example.com", log: "membership updated"},
		{name: "no room", event: "created", person: "ana@example.com", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			ev := &workers.Event{Envelope: &events.Envelope{Resource: "memberships", Event: tt.event,
				Data: events.Data{ID: "mb-1", RoomID: tt.room, PersonEmail: tt.person}}}
			err := h.Handle(context.Background(), ev)
			if tt.wantErr {
				if !workers.IsPermanent(err) {
					t.Errorf("Handle = %v, want a permanent error", err)
				}
				return
			}
			if err != nil || !strings.Contains(logs.String(), tt.log) || !strings.Contains(logs.String(), tt.person) {
				t.Errorf("Handle = %v, log %q", err, logs.String())
			}
		})
	}
	if got := metricstest.Value(t, reg, "webexpipe_memberships_events_total", map[string]string{"event": "created"}); got != 1 {
		t.Errorf("created counted %v times, want 1", got)
	}
	if _, err := memberships.New(memberships.Config{Metrics: reg}); err != nil {
		t.Errorf("a second handler on the same registry: %v", err)
	}
}
