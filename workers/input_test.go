package workers

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// An Input runner consumes another stream, hands its messages over
// undecoded, and dead-letters them with the Input's builder.
func TestRunnerInput(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const name = "inputs"
	cfg, reg := testConfig(t, name)
	cfg.Events = nil
	cfg.Idempotent = false
	cfg.Input = &Input{
		Stream:         events.CallsStream,
		FilterSubjects: []string{events.CallsFilter},
		DeadLetter: func(ev *Event, reason string, cause error) *nats.Msg {
			msg := nats.NewMsg("ignored: the runner sets the subject")
			msg.Data = append([]byte("rebuilt:"), ev.Raw...)
			msg.Header.Set(events.HeaderDLQReason, reason)
			return msg
		},
	}
	tracked := &webex.APIError{Method: "POST", Path: "/messages", StatusCode: 400, TrackingID: "TRACK-1"}
	rec := &recorder{fn: func(_ context.Context, ev *Event, _ int) error {
		switch string(ev.Raw) {
		case "not json":
			return Permanent(tracked)
		}
		return nil
	}}
	startRunner(t, env.js, cfg, rec)

	publish := func(subject, body, msgID string) {
		t.Helper()
		if _, err := env.js.Publish(testCtx(t), subject, []byte(body), jetstream.WithMsgID(msgID)); err != nil {
			t.Fatal(err)
		}
	}
	publish(events.CallSubject("echo", "c1"), "not json", "c1.1")
	publish(events.CallSubject("echo", "c2"), `{"fine":true}`, "c2.1")

	eventually(t, 10*time.Second, func() bool {
		return handledCount(t, reg, name, outcomeOK) == 1 && handledCount(t, reg, name, outcomeDeadLetter) == 1
	}, "outcomes not counted")
	for _, c := range rec.snapshot() {
		if c.replay || c.force {
			t.Errorf("call %+v marked as a replay", c)
		}
		if want := map[string]string{events.CallSubject("echo", "c1"): "c1.1", events.CallSubject("echo", "c2"): "c2.1"}[c.subject]; c.dedupKey != want {
			t.Errorf("dedup key of %s = %q, want the Nats-Msg-Id %q", c.subject, c.dedupKey, want)
		}
	}
	dead := env.deadLetters(t, name)
	if len(dead) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dead))
	}
	dl := dead[0]
	if string(dl.Data) != "rebuilt:not json" {
		t.Errorf("dead letter body %q: the Input's builder was not used", dl.Data)
	}
	if got := dl.Header.Get(events.HeaderTrackingID); got != "TRACK-1" {
		t.Errorf("tracking id header = %q, want TRACK-1", got)
	}
	if got := dl.Header.Get(events.HeaderMsgID); got != name+":"+strconv.Itoa(1) {
		t.Errorf("dead letter msg id = %q", got)
	}
	cons, err := env.js.Consumer(testCtx(t), events.CallsStream, name)
	if err != nil {
		t.Fatalf("the durable consumer is not on %s: %v", events.CallsStream, err)
	}
	if f := cons.CachedInfo().Config.FilterSubjects; len(f) != 1 || f[0] != events.CallsFilter {
		t.Errorf("filters = %v", f)
	}
}

func TestInputValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input *Input
	}{
		{name: "no stream", input: &Input{FilterSubjects: []string{events.CallsFilter}}},
		{name: "no filter", input: &Input{Stream: events.CallsStream}},
		{name: "the events stream", input: &Input{Stream: events.EventsStream, FilterSubjects: []string{"webex.events.>"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := DefaultConfig("inputs")
			cfg.Input = tt.input
			if err := cfg.Validate(); err == nil {
				t.Error("accepted")
			}
		})
	}
	cfg := DefaultConfig("inputs")
	cfg.Input = &Input{Stream: events.CallsStream, FilterSubjects: []string{events.CallsFilter}}
	if err := cfg.Validate(); err != nil {
		t.Errorf("valid input refused: %v", err)
	}
}
