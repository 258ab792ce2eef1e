package commands_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/commands"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// A bot with one text command, "roll", answered in the room. In a worker
// binary the Router is the handler given to workers.New (see package
// workers); here the event is handed to it directly, with the emulator
// standing in for Webex.
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

	roll := commands.HandlerFunc(func(_ context.Context, m *commands.Message) (webexcall.Reply, error) {
		sides := strings.TrimSpace(m.Args)
		if sides == "" {
			sides = "6"
		}
		// The user's words reach markdown escaped: they cannot format the
		// reply or make the bot mention anyone.
		return webexcall.Text("Rolling a d" + webex.EscapeMarkdown(sides) + ": 4"), nil
	})
	router, err := commands.New(client, commands.Config{
		Worker:   "dice",
		Commands: []commands.Command{{Name: "roll", Aliases: []string{"/roll"}, Help: "rolls a die", Handler: roll}},
		Intro:    "I roll dice.",
	})
	if err != nil {
		panic(err)
	}

	for _, text := range []string{"roll 20", "help"} {
		m, err := sim.PostAsUser(emulator.UserMessage{Text: text})
		if err != nil {
			panic(err)
		}
		ev := &workers.Event{Delivered: 1, Envelope: &events.Envelope{Resource: "messages", Event: "created",
			Data: events.Data{ID: m.ID, RoomID: m.RoomID, PersonID: m.PersonID}}}
		if err := router.Handle(context.Background(), ev); err != nil {
			panic(err)
		}
		replies := sim.BotMessages(m.RoomID)
		fmt.Println(replies[len(replies)-1].Markdown)
	}
	// Output:
	// Rolling a d20: 4
	// I roll dice.
	//
	// Commands:
	// - **roll** (or **/roll**): rolls a die
}
