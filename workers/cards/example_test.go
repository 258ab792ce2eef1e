package cards_test

import (
	"context"
	"fmt"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/cards"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/adaptive"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// A card with a vote button and the handler of its action. The card's
// Submit carries {"action": "vote"}; the router fetches the submission,
// checks it is on a card this bot sent, calls the handler registered for
// "vote" and posts its reply in the card's thread. In a worker binary the
// Router is the handler given to workers.New; here the event is handed to
// it directly, with the emulator standing in for Webex.
func Example() {
	sim := emulator.New(emulator.Options{})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		panic(err)
	}
	defer sim.Close()
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token(), Timeout: 5 * time.Second})
	if err != nil {
		panic(err)
	}

	routes := cards.Routes{
		"vote": cards.HandlerFunc(func(_ context.Context, s *cards.Submission) (cards.Reply, error) {
			return cards.Text("You voted for " + webex.EscapeMarkdown(s.Input("choice")) + "."), nil
		}),
	}
	router, err := cards.New(client, cards.Config{Routes: routes})
	if err != nil {
		panic(err)
	}

	// The bot sends the card.
	card, err := adaptive.Card{
		Body: []adaptive.Element{adaptive.InputChoiceSet{ID: "choice", Label: "Colour",
			Choices: []adaptive.Choice{{Title: "Blue", Value: "blue"}, {Title: "Green", Value: "green"}}}},
		Actions: []adaptive.Action{adaptive.Submit{Title: "Vote", Data: map[string]any{"action": "vote"}}},
	}.Attachment()
	if err != nil {
		panic(err)
	}
	req := &webex.MessageRequest{ToPersonEmail: "ana@example.com", Markdown: "Vote in a Webex client that shows cards."}
	if err := adaptive.Attach(req, card); err != nil {
		panic(err)
	}
	sent, err := client.SendMessage(context.Background(), req)
	if err != nil {
		panic(err)
	}

	// Ana presses Vote; Webex announces the submission.
	a, err := sim.SubmitCard(emulator.CardSubmit{MessageID: sent.ID, PersonEmail: "ana@example.com",
		Inputs: map[string]any{"action": "vote", "choice": "green"}})
	if err != nil {
		panic(err)
	}
	ev := &workers.Event{Delivered: 1, Envelope: &events.Envelope{Resource: "attachmentActions", Event: "created",
		Data: events.Data{ID: a.ID, MessageID: a.MessageID, PersonID: a.PersonID, RoomID: a.RoomID}}}
	if err := router.Handle(context.Background(), ev); err != nil {
		panic(err)
	}
	replies := sim.BotMessages(sent.RoomID)
	last := replies[len(replies)-1]
	fmt.Println(last.Markdown, "(in the card's thread:", last.ParentID == sent.ID, ")")
	// Output:
	// You voted for green. (in the card's thread: true )
}
