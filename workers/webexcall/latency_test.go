package webexcall_test

import (
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// TestReplyLatency: a reply SendReply posts is measured from the event's
// data.created to the reply's created; an event without a readable
// data.created, or a reply not posted, is not measured.
func TestReplyLatency(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 5*time.Second, 0)
	user, err := e.sim.PostAsUser(emulator.UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	histogram := func() (count uint64, sum float64) {
		t.Helper()
		families, err := e.reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() != "webexpipe_reply_latency_seconds" {
				continue
			}
			for _, m := range f.GetMetric() {
				count += m.GetHistogram().GetSampleCount()
				sum += m.GetHistogram().GetSampleSum()
			}
		}
		return count, sum
	}
	event := func(created string) *workers.Event {
		return &workers.Event{Stream: events.EventsStream, Delivered: 1,
			Envelope: &events.Envelope{Resource: "messages", Event: "created", Data: events.Data{ID: user.ID, RoomID: user.RoomID, Created: created}}}
	}
	send := func(ev *workers.Event) {
		t.Helper()
		req := &webex.MessageRequest{RoomID: user.RoomID, Markdown: "reply " + ev.Envelope.Data.Created}
		if _, err := webexcall.SendReply(testCtx(t), e.client, ev, req, webexcall.ReplyRules{Bot: e.sim.Bot().ID}); err != nil {
			t.Fatal(err)
		}
	}

	before := time.Now()
	send(event(before.Add(-90 * time.Second).UTC().Format(time.RFC3339Nano)))
	count, sum := histogram()
	if count != 1 || sum < 90 || sum > 90+time.Since(before).Seconds()+1 {
		t.Errorf("after one reply to a message 90 s old: %d observations summing to %.3f s, want 1 of about 90 s", count, sum)
	}

	send(event(""))
	send(event("yesterday"))
	if count, _ := histogram(); count != 1 {
		t.Errorf("events without a readable data.created were measured: %d observations, want 1", count)
	}

	e.sim.InjectFault(emulator.Fault{Method: "POST", Path: "/messages", Status: 400, Times: 1})
	req := &webex.MessageRequest{RoomID: user.RoomID, Markdown: "refused"}
	if _, err := webexcall.SendReply(testCtx(t), e.client, event(time.Now().UTC().Format(time.RFC3339Nano)), req, webexcall.ReplyRules{}); err == nil {
		t.Fatal("a 400 was not an error")
	}
	if count, _ := histogram(); count != 1 {
		t.Errorf("a refused reply was measured: %d observations, want 1", count)
	}
}
