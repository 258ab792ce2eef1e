package deadletters_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/admin/deadletters"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

const eventBody = `{"id":"wh","resource":"messages","event":"created","data":{"id":"m-1","roomId":"r-1"}}`

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// seed stores one dead event of echo and one dead call, as the runtime and
// the retry worker write them, and returns their DLQ sequences.
func seed(t *testing.T, js jetstream.JetStream) (eventSeq, callSeq uint64, call *outbox.Call) {
	t.Helper()
	ev := nats.NewMsg(events.DLQSubject("echo"))
	ev.Data = []byte(eventBody)
	ev.Header.Set(events.HeaderWorker, "echo")
	ev.Header.Set(events.HeaderDLQReason, "permanent: send reply: webex: POST /messages: 400 Bad Request")
	ev.Header.Set(events.HeaderTrackingID, "TRACK-EV")
	ev.Header.Set(events.HeaderOrigSubject, events.EventSubject("messages", "created", 7))
	ev.Header.Set(events.HeaderOrigSeq, "12")
	ev.Header.Set(events.HeaderDeliveries, "1")
	ev.Header.Set(events.HeaderDedupKey, "messages:created:m-1")
	ev.Header.Set(events.HeaderWebhookID, "wh")
	ack, err := js.PublishMsg(testCtx(t), ev)
	if err != nil {
		t.Fatal(err)
	}
	eventSeq = ack.Sequence

	call = outbox.New("echo", http.MethodPost, "/messages", []byte(`{"roomId":"r-1","markdown":"hi"}`), &outbox.EventRef{Seq: 12, DedupKey: "messages:created:m-1"})
	call.Record(outbox.Attempt{At: time.Now(), By: "echo", Outcome: outbox.OutcomeRetryable, Status: 503, TrackingID: "T1"})
	call.Record(outbox.Attempt{At: time.Now(), By: "retry", Outcome: outbox.OutcomePermanent, Status: 403, TrackingID: "T2"})
	body, err := call.Encode()
	if err != nil {
		t.Fatal(err)
	}
	cm := nats.NewMsg(events.DLQSubject(events.RetryWorker))
	cm.Data = body
	cm.Header.Set(events.HeaderWorker, events.RetryWorker)
	cm.Header.Set(events.HeaderDLQReason, "permanent: gave up: 403")
	cm.Header.Set(events.HeaderCallID, call.ID)
	cm.Header.Set(events.HeaderOrigSubject, call.Subject())
	ack, err = js.PublishMsg(testCtx(t), cm)
	if err != nil {
		t.Fatal(err)
	}
	return eventSeq, ack.Sequence, call
}

func TestListAndGet(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	evSeq, callSeq, call := seed(t, js)
	tests := []struct {
		name   string
		filter deadletters.Filter
		want   []uint64
	}{
		{name: "all", want: []uint64{evSeq, callSeq}},
		{name: "one worker", filter: deadletters.Filter{Worker: "echo"}, want: []uint64{evSeq}},
		{name: "calls", filter: deadletters.Filter{Worker: events.RetryWorker}, want: []uint64{callSeq}},
		{name: "limit", filter: deadletters.Filter{Limit: 1}, want: []uint64{evSeq}},
		{name: "none", filter: deadletters.Filter{Worker: "cards"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := deadletters.List(testCtx(t), js, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d entries, want %d", len(got), len(tt.want))
			}
			for i, e := range got {
				if e.Seq != tt.want[i] {
					t.Errorf("entry %d is %d, want %d", i, e.Seq, tt.want[i])
				}
			}
		})
	}
	if _, err := deadletters.List(testCtx(t), js, deadletters.Filter{Worker: "a.>"}); !errors.Is(err, events.ErrUnsafeToken) {
		t.Errorf("unsafe worker filter: %v", err)
	}

	ev, err := deadletters.Get(testCtx(t), js, evSeq)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind != deadletters.KindEvent || ev.Worker != "echo" || ev.TrackingID != "TRACK-EV" || ev.OrigSeq != 12 || ev.DedupKey != "messages:created:m-1" {
		t.Errorf("event entry = %+v", ev)
	}
	c, err := deadletters.Get(testCtx(t), js, callSeq)
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != deadletters.KindCall || c.Call == nil || c.Call.ID != call.ID || len(c.Call.History) != 2 || c.TrackingID != "T2" {
		t.Errorf("call entry = %+v", c)
	}
	if _, err := deadletters.Get(testCtx(t), js, 999); !errors.Is(err, deadletters.ErrNotFound) {
		t.Errorf("Get(999) = %v, want ErrNotFound", err)
	}
}

func TestRedrive(t *testing.T) {
	tests := []struct {
		name  string
		call  bool
		opts  deadletters.RedriveOptions
		check func(t *testing.T, m *jetstream.RawStreamMsg, call *outbox.Call)
	}{
		{
			name: "an event goes to the worker's replay subject",
			check: func(t *testing.T, m *jetstream.RawStreamMsg, _ *outbox.Call) {
				if m.Subject != events.ReplaySubject("echo", "messages", "created", 7) || string(m.Data) != eventBody {
					t.Errorf("redriven to %s: %s", m.Subject, m.Data)
				}
				for h, want := range map[string]string{
					events.HeaderDedupKey: "messages:created:m-1", events.HeaderOrigSeq: "12", events.HeaderWebhookID: "wh",
					events.HeaderReplayForce: "", events.HeaderDLQReason: "", events.HeaderWorker: "",
				} {
					if got := m.Header.Get(h); got != want {
						t.Errorf("header %s = %q, want %q", h, got, want)
					}
				}
				if id := m.Header.Get(events.HeaderMsgID); id == "" || id == "messages:created:m-1" {
					t.Errorf("Nats-Msg-Id = %q, want one of its own", id)
				}
			},
		},
		{
			name: "forced",
			opts: deadletters.RedriveOptions{Force: true, Keep: true},
			check: func(t *testing.T, m *jetstream.RawStreamMsg, _ *outbox.Call) {
				if m.Header.Get(events.HeaderReplayForce) != "true" {
					t.Error("not forced")
				}
			},
		},
		{
			name: "a call goes back to the retry worker with its attempts reset",
			call: true,
			check: func(t *testing.T, m *jetstream.RawStreamMsg, call *outbox.Call) {
				if m.Subject != call.Subject() {
					t.Errorf("redriven to %s, want %s", m.Subject, call.Subject())
				}
				got, err := outbox.Decode(m.Data)
				if err != nil {
					t.Fatal(err)
				}
				if got.Attempts != 0 || got.Redriven != 1 || !got.NotBefore.IsZero() || len(got.History) != 2 {
					t.Errorf("redriven record: attempts %d, redriven %d, not before %s, history %d", got.Attempts, got.Redriven, got.NotBefore, len(got.History))
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, js := localnats.StartProvisioned(t)
			evSeq, callSeq, call := seed(t, js)
			seq, stream := evSeq, events.EventsStream
			if tt.call {
				seq, stream = callSeq, events.CallsStream
			}
			e, err := deadletters.Get(testCtx(t), js, seq)
			if err != nil {
				t.Fatal(err)
			}
			r, err := deadletters.Redrive(testCtx(t), js, e, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			s, err := js.Stream(testCtx(t), stream)
			if err != nil {
				t.Fatal(err)
			}
			m, err := s.GetLastMsgForSubject(testCtx(t), r.Subject)
			if err != nil {
				t.Fatalf("nothing on %s: %v", r.Subject, err)
			}
			tt.check(t, m, call)
			_, err = deadletters.Get(testCtx(t), js, seq)
			if kept := err == nil; kept != tt.opts.Keep || r.Deleted == tt.opts.Keep {
				t.Errorf("dead letter kept = %v (deleted reported %v), want kept %v", kept, r.Deleted, tt.opts.Keep)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	evSeq, callSeq, _ := seed(t, js)
	if n, err := deadletters.Delete(testCtx(t), js, evSeq, callSeq); err != nil || n != 2 {
		t.Fatalf("Delete = %d, %v", n, err)
	}
	if left, _ := deadletters.List(testCtx(t), js, deadletters.Filter{}); len(left) != 0 {
		t.Errorf("%d dead letters left", len(left))
	}
	if _, err := deadletters.Delete(testCtx(t), js, evSeq); !errors.Is(err, deadletters.ErrNotFound) {
		t.Errorf("deleting again: %v", err)
	}
}
