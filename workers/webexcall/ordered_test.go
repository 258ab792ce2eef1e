package webexcall_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// TestOrderedWritesAreRetriedInPlace: in ordered mode a failed write is not
// stored for the retry worker but returned, so the event is retried in place
// and its room waits; an ambiguous POST asks for the recheck delay, and its
// redelivery finds the message Webex posted after all instead of posting it
// again.
func TestOrderedWritesAreRetriedInPlace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 200*time.Millisecond, 0)
	user, err := e.sim.PostAsUser(emulator.UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	ev := &workers.Event{Subject: "webex.events.messages.created.0", Stream: events.EventsStream, StreamSeq: 7, Delivered: 1, Ordered: true, Timestamp: time.Now()}
	ctx := workers.ContextWithEvent(testCtx(t), ev)
	req := &webex.MessageRequest{RoomID: user.RoomID, Markdown: "in order"}

	e.sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: 503, Times: 1})
	_, err = e.client.SendMessage(ctx, req)
	if err == nil || workers.IsDeferred(err) {
		t.Fatalf("503 in ordered mode: %v; want the error back, not deferred", err)
	}
	if n := metricstest.Value(t, e.reg, "webexpipe_webex_calls_stored_total", map[string]string{"worker": "echo"}); n != 0 {
		t.Errorf("%v calls stored in ordered mode", n)
	}

	ev.Delivered = 2
	e.sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Delay: 500 * time.Millisecond, Times: 1})
	_, err = e.client.SendMessage(ctx, req)
	if d, ok := workers.RetryDelay(err); !ok || d != webexcall.DefaultRecheckAfter || workers.IsDeferred(err) {
		t.Fatalf("ambiguous POST in ordered mode: %v (delay %s, %v); want a retry after the recheck delay", err, d, ok)
	}
	waitfor.True(t, 10*time.Second, "Webex posts the held message", func() bool { return len(e.sim.BotMessages(user.RoomID)) == 1 })

	ev.Delivered = 3
	_, err = e.client.SendMessage(context.WithoutCancel(ctx), req)
	if !workers.IsIgnored(err) {
		t.Fatalf("redelivery after the ambiguous POST: %v; want it ignored, the message is there", err)
	}
	if n := len(e.sim.BotMessages(user.RoomID)); n != 1 {
		t.Errorf("%d messages posted, want 1", n)
	}
}
