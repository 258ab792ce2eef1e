package cards_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/cards"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/adaptive"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// sendDemoCard has the bot send the demo card to a new user's direct room.
func sendDemoCard(p *pipelinetest.Pipeline, who string) webex.Message {
	p.T.Helper()
	a, err := cards.DemoAttachment()
	if err != nil {
		p.T.Fatal(err)
	}
	req := &webex.MessageRequest{ToPersonEmail: who, Markdown: cards.DemoFallback}
	if err := adaptive.Attach(req, a); err != nil {
		p.T.Fatal(err)
	}
	card, err := p.Client.SendMessage(p.T.Context(), req)
	if err != nil {
		p.T.Fatal(err)
	}
	return *card
}

func TestConformance(t *testing.T) {
	var users atomic.Int64
	pipelinetest.Conformance(t, pipelinetest.WorkerType{
		Name:   cards.Name,
		Events: cards.Events,
		New: func(p *pipelinetest.Pipeline, api *webexcall.Client) (workers.Handler, error) {
			return cards.New(api, cards.Config{RecheckAfter: time.Second, Identity: api.Identity(), Logger: pipelinetest.Logger(p.T)})
		},
		// Each act is a submission of a card sent to a new user.
		Act: func(p *pipelinetest.Pipeline) func() int {
			who := fmt.Sprintf("user%d@example.com", users.Add(1))
			card := sendDemoCard(p, who)
			if _, err := p.Sim.SubmitCard(emulator.CardSubmit{MessageID: card.ID, PersonEmail: who,
				Inputs: map[string]any{"action": cards.DemoAction, "name": "Ana", "guests": "2"}}); err != nil {
				p.T.Fatal(err)
			}
			return func() int { return len(threadReplies(p, card)) }
		},
		// The bot pressing its own card's button.
		Own: func(p *pipelinetest.Pipeline) func() int {
			card := sendDemoCard(p, "own@example.com")
			p.Sim.AddAttachmentAction(webex.AttachmentAction{MessageID: card.ID, PersonID: p.Sim.Bot().ID,
				Inputs: map[string]any{"action": cards.DemoAction, "name": "Bot", "guests": "1"}})
			return func() int { return len(threadReplies(p, card)) }
		},
		CallsWebex: true,
	})
}
