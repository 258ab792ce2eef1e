package echo_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/cards"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

func TestCardCommandSendsTheDemoCard(t *testing.T) {
	demo, err := cards.DemoAttachment()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		msg  emulator.UserMessage
	}{
		{"card", emulator.UserMessage{Text: "card"}},
		{"slash card", emulator.UserMessage{Text: "/card"}},
		{"any case", emulator.UserMessage{Text: " Card "}},
		{"group room, mentioning the bot", emulator.UserMessage{RoomID: "group-room", RoomType: "group", Text: "card", MentionBot: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startPipeline(t)
			p.startWorker()
			sent, err := p.Sim.PostAsUser(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			p.settle(2)
			replies := p.replies(sent.RoomID)
			if len(replies) != 1 {
				t.Fatalf("%d replies, want 1", len(replies))
			}
			r := replies[0]
			if r.Markdown != cards.DemoFallback {
				t.Errorf("markdown %q, want the demo card's fallback", r.Markdown)
			}
			if len(r.Attachments) != 1 || r.Attachments[0].ContentType != webex.AdaptiveCardContentType ||
				!jsonEqual(r.Attachments[0].Content, demo.Content) {
				t.Errorf("attachments = %+v, want the demo card", r.Attachments)
			}
		})
	}
}

func TestOtherMessagesAreStillEchoed(t *testing.T) {
	p := startPipeline(t)
	p.startWorker()
	sent, err := p.Sim.PostAsUser(emulator.UserMessage{Text: "card games"})
	if err != nil {
		t.Fatal(err)
	}
	p.settle(2)
	replies := p.replies(sent.RoomID)
	if len(replies) != 1 || len(replies[0].Attachments) != 0 || !strings.Contains(replies[0].Markdown, "card games") {
		t.Fatalf("replies = %+v, want one echo without a card", replies)
	}
}

// TestCardFromCommandToAnswer runs both workers: a user asks for the card,
// submits it, and the cards worker answers in the card's thread.
func TestCardFromCommandToAnswer(t *testing.T) {
	p := &pipeline{pipelinetest.Start(t, pipelinetest.Options{
		Webhooks: append([]events.ResourceEvent{}, append(echo.Events, cards.Events...)...),
	})}
	p.startWorker()
	router, err := cards.New(p.Client, cards.Config{Logger: pipelinetest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	p.StartWorker(p.WorkerConfig(cards.Name, cards.Events), router)

	sent, err := p.Sim.PostAsUser(emulator.UserMessage{Text: "card"})
	if err != nil {
		t.Fatal(err)
	}
	p.settle(2) // the command and the card
	card := p.replies(sent.RoomID)[0]
	if _, err := p.Sim.SubmitCard(emulator.CardSubmit{MessageID: card.ID, Inputs: map[string]any{
		"action": cards.DemoAction, "name": "Ana", "topic": "feedback",
	}}); err != nil {
		t.Fatal(err)
	}
	waitfor.Until(t, 10*time.Second, func() (bool, string) {
		return len(p.replies(sent.RoomID)) == 2, "no answer to the card yet"
	})
	p.settle(4) // and the submission and the answer, which echo ignores
	replies := p.replies(sent.RoomID)
	if len(replies) != 2 {
		t.Fatalf("%d bot messages, want the card and one answer", len(replies))
	}
	answer := replies[1]
	if answer.ParentID != card.ID || !strings.Contains(answer.Markdown, "Thanks, Ana!") || !strings.Contains(answer.Markdown, "**Topic:** Feedback") {
		t.Errorf("answer = %+v", answer)
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}
