package cards_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/cards"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/adaptive"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// startCards runs the pipeline with an attachmentActions/created webhook and
// the cards worker, and has the bot send the demo card to a user. Only card
// submissions are delivered, so deliveries count submissions.
func startCards(t testing.TB, webexTimeout time.Duration) (*pipelinetest.Pipeline, webex.Message) {
	t.Helper()
	p := pipelinetest.Start(t, pipelinetest.Options{Webhooks: cards.Events, WebexTimeout: webexTimeout})
	router, err := cards.New(p.Client, cards.Config{RecheckAfter: time.Second, Logger: pipelinetest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	p.StartWorker(p.WorkerConfig(cards.Name, cards.Events), router)
	user, err := p.Sim.PostAsUser(emulator.UserMessage{Text: "card"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := cards.DemoAttachment()
	if err != nil {
		t.Fatal(err)
	}
	req := &webex.MessageRequest{RoomID: user.RoomID, Markdown: cards.DemoFallback}
	if err := adaptive.Attach(req, a); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	card, err := p.Client.SendMessage(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	return p, *card
}

// threadReplies are the bot's messages in the card's thread.
func threadReplies(p *pipelinetest.Pipeline, card webex.Message) []webex.Message {
	var out []webex.Message
	for _, m := range p.BotMessages(card.RoomID) {
		if m.ParentID == card.ID {
			out = append(out, m)
		}
	}
	return out
}

func TestCardSubmissionsEndToEnd(t *testing.T) {
	tests := []struct {
		name      string
		inputs    map[string]any
		timeout   time.Duration  // Webex client timeout; 0: 5s
		fault     emulator.Fault // injected before the submit when set
		redeliver bool           // Webex delivers the webhook twice
		want      []string       // in the one reply; nil: no reply
		wantDLQ   int
	}{
		{name: "submit gets one threaded summary",
			inputs: map[string]any{"action": "demo", "name": "Ana", "guests": "3", "topic": "idea", "updates": "true", "date": "2026-06-01"},
			want:   []string{"Thanks, Ana!", "**How many people:** 3", "**Topic:** Idea", "**Send me updates:** yes", "**Preferred date:** 2026-06-01"}},
		{name: "missing required input is named",
			inputs: map[string]any{"action": "demo", "guests": "3"},
			want:   []string{"**Your name** is missing"}},
		{name: "unknown action gets one polite reply",
			inputs: map[string]any{"action": "self-destruct", "name": "Ana"},
			want:   []string{"Sorry, I don't know what to do with that button yet"}},
		{name: "duplicated delivery gets one reply", redeliver: true,
			inputs: map[string]any{"action": "demo", "name": "Ana"},
			want:   []string{"Thanks, Ana!"}},
		{name: "retryable Webex error is retried",
			fault:  emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: 503, Times: 2},
			inputs: map[string]any{"action": "demo", "name": "Ana"},
			want:   []string{"Thanks, Ana!"}},
		{name: "timed-out reply that succeeded is not sent twice", timeout: 300 * time.Millisecond,
			fault:  emulator.Fault{Method: http.MethodPost, Path: "/messages", Delay: 600 * time.Millisecond, Times: 1},
			inputs: map[string]any{"action": "demo", "name": "Ana"},
			want:   []string{"Thanks, Ana!"}},
		{name: "permanent Webex error is dead-lettered",
			fault:   emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: 400, Times: 1},
			inputs:  map[string]any{"action": "demo", "name": "Ana"},
			wantDLQ: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			p, card := startCards(t, timeout)
			if tt.fault != (emulator.Fault{}) {
				p.Sim.InjectFault(tt.fault)
			}
			action, err := p.Sim.SubmitCard(emulator.CardSubmit{MessageID: card.ID, Inputs: tt.inputs})
			if err != nil {
				t.Fatal(err)
			}
			deliveries := 1 // the submission; the bot's replies trigger no webhook here
			if tt.want != nil {
				waitfor.Until(t, 10*time.Second, func() (bool, string) {
					return len(threadReplies(p, card)) > 0, "no reply yet"
				})
			}
			p.Settle(deliveries)
			if tt.redeliver {
				for i, d := range p.Sim.Deliveries() {
					if strings.Contains(string(d.Body), action.ID) {
						if err := p.Sim.Redeliver(i); err != nil {
							t.Fatal(err)
						}
					}
				}
				deliveries++
				p.Settle(deliveries)
			}
			wantReplies := 0
			if tt.want != nil {
				wantReplies = 1
			}
			replies := threadReplies(p, card)
			if len(replies) != wantReplies {
				t.Fatalf("%d replies in the card's thread, want %d", len(replies), wantReplies)
			}
			for _, w := range tt.want {
				if !strings.Contains(replies[0].Markdown, w) {
					t.Errorf("reply lacks %q:\n%s", w, replies[0].Markdown)
				}
			}
			if got := p.DLQCount(); got != tt.wantDLQ {
				t.Errorf("%d dead letters, want %d", got, tt.wantDLQ)
			}
			if n := len(p.BotMessages(card.RoomID)); n != 1+len(replies) {
				t.Errorf("the room holds %d bot messages, want the card and %d replies", n, len(replies))
			}
		})
	}
}

func TestStoredCardEventsAreNotAnsweredTwiceOnReplay(t *testing.T) {
	p, card := startCards(t, 5*time.Second)
	if _, err := p.Sim.SubmitCard(emulator.CardSubmit{MessageID: card.ID, Inputs: map[string]any{"action": "demo", "name": "Ana"}}); err != nil {
		t.Fatal(err)
	}
	p.Settle(1)
	// A second copy of the stored event with the same dedup key, as a
	// replay outside the duplicate window would be.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := p.JS.Stream(ctx, events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := stream.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	env, err := events.Decode(orig.Data)
	if err != nil {
		t.Fatal(err)
	}
	msgID := orig.Header.Get(events.HeaderMsgID)
	orig.Header.Set(events.HeaderDedupKey, events.StoredDedupKey(orig.Header, env, orig.Data))
	orig.Header.Set(events.HeaderMsgID, "copy-"+msgID)
	msg := nats.NewMsg(orig.Subject)
	msg.Data, msg.Header = orig.Data, orig.Header
	if _, err := p.JS.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}
	p.Settle(1)
	if n := len(threadReplies(p, card)); n != 1 {
		t.Fatalf("%d replies after a second copy of the event, want 1", n)
	}
}
