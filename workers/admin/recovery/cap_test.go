package recovery_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/internal/syncbuf"
	"github.com/webexpipe/webexpipe/workers/admin/recovery"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// TestCapCutsALongGap: each cap cuts a recovery of a long outage short,
// stores no more than it allows, logs what is left with the command that
// recovers it by hand, and counts the cut; the cut recovery is not
// carried on by the next run.
func TestCapCutsALongGap(t *testing.T) {
	tests := []struct {
		name    string
		o       recovery.Options
		cap     string
		stored  int
		cutFrom bool // the window was cut
		rooms   int  // rooms listed
	}{
		// The message of three hours ago is left out, and its room with it.
		{name: "window", o: recovery.Options{MaxWindow: time.Hour}, cap: "window", stored: 3, cutFrom: true, rooms: 3},
		{name: "rooms", o: recovery.Options{MaxWindow: 5 * time.Hour, MaxRooms: 2}, cap: "rooms", stored: 2, rooms: 2},
		// The third room is listed, and its message found over the cap.
		{name: "messages", o: recovery.Options{MaxWindow: 5 * time.Hour, MaxMessages: 2}, cap: "messages", stored: 2, rooms: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &clock{}
			p := pipelinetest.Start(t, pipelinetest.Options{Emulator: emulator.Options{Now: clk.Now}})
			p.Sim.SetDelivery(false) // every message below is lost on the way
			start := clk.Now()

			// Three hours ago, then just now, each in a room of its own.
			clk.Advance(-3 * time.Hour)
			post(t, p, emulator.UserMessage{PersonEmail: "old@example.com", Text: "three hours ago"})
			clk.Advance(3 * time.Hour)
			for _, um := range []emulator.UserMessage{
				{PersonEmail: "a@example.com", Text: "a1"},
				{PersonEmail: "b@example.com", Text: "b1"},
				{PersonEmail: "c@example.com", Text: "c1"},
			} {
				post(t, p, um)
			}

			var logs syncbuf.Buffer
			reg := prometheus.NewRegistry()
			var results []recovery.Result
			o := tt.o
			o.Metrics, o.Now = reg, clk.Now
			o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			o.OnFinish = func(r recovery.Result) { results = append(results, r) }
			rec, err := recovery.Open(testCtx(t), p.JS, p.Client, o)
			if err != nil {
				t.Fatal(err)
			}
			out := webhooks.Outage{WebhookID: "hook", Resource: "messages", Event: "created",
				From: start.Add(-4 * time.Hour), Until: clk.Now().Add(time.Second), Cause: webhooks.CauseReactivated}
			if err := rec.Record(testCtx(t), out); err != nil {
				t.Fatal(err)
			}
			if err := rec.Run(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			if len(results) != 1 {
				t.Fatalf("%d recoveries finished, want 1", len(results))
			}
			r := results[0]
			if r.Stored != tt.stored || r.Rooms != tt.rooms || r.Gap.CutFrom.IsZero() == tt.cutFrom {
				t.Errorf("recovery %+v: want %d stored from %d rooms, window cut %v", r, tt.stored, tt.rooms, tt.cutFrom)
			}
			if tt.cap != "window" && r.Cut != tt.cap {
				t.Errorf("cut by %q, want %q", r.Cut, tt.cap)
			}
			if v := metricstest.Value(t, reg, "webexpipe_recovery_cut_total", map[string]string{"cap": tt.cap}); v != 1 {
				t.Errorf("cuts by %s counted %v, want 1", tt.cap, v)
			}
			if v := metricstest.Value(t, reg, "webexpipe_recovery_messages_recovered_total", nil); v != float64(tt.stored) {
				t.Errorf("recovered %v, want %d", v, tt.stored)
			}
			want := "cut short by its cap"
			if tt.cap == "window" {
				want = "longer than the recovery window"
			}
			if !strings.Contains(logs.String(), want) || !strings.Contains(logs.String(), "webexpipe backfill --since ") {
				t.Errorf("the cut was not logged with the way to recover the rest by hand:\n%s", logs.String())
			}

			// The rest is the operator's: the next run recovers nothing.
			if err := rec.Run(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			if len(results) != 1 || metricstest.Value(t, reg, "webexpipe_recovery_messages_recovered_total", nil) != float64(tt.stored) {
				t.Errorf("a cut recovery was carried on: %+v", results)
			}
		})
	}
}

func post(t *testing.T, p *pipelinetest.Pipeline, um emulator.UserMessage) {
	t.Helper()
	if _, err := p.Sim.PostAsUser(um); err != nil {
		t.Fatal(err)
	}
}
