package echo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// pipeline is the whole path over real HTTP and a real JetStream (see
// pipelinetest) with the echo worker.
type pipeline struct {
	*pipelinetest.Pipeline
}

func startPipeline(t testing.TB) *pipeline {
	t.Helper()
	return startPipelineWith(t, 5*time.Second)
}

// startPipelineWith starts the pipeline with a Webex client timeout.
func startPipelineWith(t testing.TB, webexTimeout time.Duration) *pipeline {
	t.Helper()
	return &pipeline{pipelinetest.Start(t, pipelinetest.Options{WebexTimeout: webexTimeout})}
}

// startWorker runs an echo worker until stopWorker.
func (p *pipeline) startWorker() {
	p.T.Helper()
	h, err := echo.New(p.Client, echo.Config{Logger: pipelinetest.Logger(p.T), RecheckAfter: time.Second})
	if err != nil {
		p.T.Fatal(err)
	}
	p.StartWorker(p.WorkerConfig(echo.Name, echo.Events), h)
}

// stopWorker stops the running worker and waits for it to drain.
func (p *pipeline) stopWorker() { p.StopWorker(echo.Name) }

// settle waits until deliveries webhooks were sent and handled.
func (p *pipeline) settle(deliveries int) {
	p.T.Helper()
	p.Settle(deliveries)
}

// replies returns the bot's messages in a room.
func (p *pipeline) replies(roomID string) []webex.Message { return p.BotMessages(roomID) }

func TestUserMessageGetsExactlyOneReply(t *testing.T) {
	p := startPipeline(t)
	p.startWorker()
	sent, err := p.Sim.PostAsUser(emulator.UserMessage{Text: "hello pipeline"})
	if err != nil {
		t.Fatal(err)
	}
	waitfor.Until(t, 10*time.Second, func() (bool, string) {
		return len(p.replies(sent.RoomID)) > 0, "no reply yet"
	})
	// The reply itself comes back as a webhook (Webex does that); settle
	// waits until that event was handled too.
	p.settle(2)
	replies := p.replies(sent.RoomID)
	if len(replies) != 1 {
		t.Fatalf("got %d replies, want 1", len(replies))
	}
	if md := replies[0].Markdown; !strings.Contains(md, "hello pipeline") || !strings.Contains(md, `"resource": "messages"`) {
		t.Errorf("reply does not echo the text and the webhook:\n%s", md)
	}
	if got := len(p.Sim.Deliveries()); got != 2 {
		t.Errorf("emulator sent %d webhooks, want 2 (the user's message and the bot's reply)", got)
	}
}

func TestBotsOwnMessageGetsNoReply(t *testing.T) {
	p := startPipeline(t)
	p.startWorker()
	user, err := p.Sim.PostAsUser(emulator.UserMessage{Text: "first"})
	if err != nil {
		t.Fatal(err)
	}
	p.settle(2)
	before := len(p.Sim.RoomMessages(user.RoomID))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := p.Client.SendMessage(ctx, &webex.MessageRequest{RoomID: user.RoomID, Text: "the bot speaks first"}); err != nil {
		t.Fatal(err)
	}
	p.settle(3)
	if got := len(p.Sim.RoomMessages(user.RoomID)); got != before+1 {
		t.Errorf("room has %d messages, want %d: the bot answered itself", got, before+1)
	}
}

func TestDuplicateDeliveryGetsOneReply(t *testing.T) {
	p := startPipeline(t)
	p.startWorker()
	sent, err := p.Sim.PostAsUser(emulator.UserMessage{Text: "said once"})
	if err != nil {
		t.Fatal(err)
	}
	p.settle(2)
	// Webex delivers the same webhook again, byte for byte.
	for i, d := range p.Sim.Deliveries() {
		if strings.Contains(string(d.Body), sent.ID) {
			if err := p.Sim.Redeliver(i); err != nil {
				t.Fatal(err)
			}
		}
	}
	p.settle(3)
	if n := len(p.replies(sent.RoomID)); n != 1 {
		t.Fatalf("got %d replies after a duplicate delivery, want 1", n)
	}
}

func TestReplayedEventIsNotAnsweredTwice(t *testing.T) {
	p := startPipeline(t)
	p.startWorker()
	sent, err := p.Sim.PostAsUser(emulator.UserMessage{Text: "once only"})
	if err != nil {
		t.Fatal(err)
	}
	p.settle(2)
	// Outside the duplicate window JetStream would store the event again;
	// a copy with a new Nats-Msg-Id but the same dedup key stands for that.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var orig jetstream.RawStreamMsg
	stream, err := p.JS.Stream(ctx, events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := stream.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	orig = *m
	msg := nats.NewMsg(orig.Subject)
	msg.Data = orig.Data
	msg.Header = orig.Header
	env, err := events.Decode(orig.Data)
	if err != nil {
		t.Fatal(err)
	}
	msg.Header.Set(events.HeaderDedupKey, events.StoredDedupKey(orig.Header, env, orig.Data))
	msg.Header.Set(events.HeaderMsgID, "copy-"+orig.Header.Get(events.HeaderMsgID))
	if _, err := p.JS.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}
	p.settle(2)
	if n := len(p.replies(sent.RoomID)); n != 1 {
		t.Fatalf("got %d replies after a second copy of the event, want 1", n)
	}
}

func TestWorkerRestartedMidStreamLosesAndRepeatsNothing(t *testing.T) {
	p := startPipeline(t)
	p.startWorker()
	const rooms = 20
	var sent []webex.Message
	for i := 0; i < rooms; i++ {
		m, err := p.Sim.PostAsUser(emulator.UserMessage{PersonEmail: fmt.Sprintf("user%d@example.com", i), Text: fmt.Sprintf("message %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, m)
		if i == rooms/4 {
			// Stop the worker while events keep arriving, then start a
			// new one on the same durable consumer.
			waitfor.Until(t, 10*time.Second, func() (bool, string) {
				return len(p.replies(sent[0].RoomID)) == 1, "first reply not yet sent"
			})
			p.stopWorker()
		}
		if i == rooms/2 {
			p.startWorker()
		}
	}
	p.settle(2 * rooms)
	for _, m := range sent {
		if n := len(p.replies(m.RoomID)); n != 1 {
			t.Errorf("room of %q: %d replies, want 1", m.Text, n)
		}
	}
}
