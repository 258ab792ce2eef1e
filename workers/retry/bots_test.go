package retry_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/retry"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

// A call record is sent only with its own bot's token: the retry handler
// of bot alpha gives up (a dead letter) on a record of bot beta's, which
// only a record whose subject and body disagree could bring it, and makes
// no call.
func TestRetryRefusesAnotherBotsCall(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	sim := emulator.NewTest(t, emulator.Options{BotID: "alpha", Bots: []emulator.BotSpec{{ID: "beta"}}})
	api, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token()})
	if err != nil {
		t.Fatal(err)
	}
	client, err := webexcall.New(api, webexcall.Options{Worker: events.RetryWorker, Bot: "alpha"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := retry.NewHandler(client, outbox.NewStore(js), retry.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, bot := range []string{"beta", ""} { // "" is the bot default's record
		call := &outbox.Call{V: outbox.Version, ID: "c0ffee", Worker: "echo", Method: http.MethodPost, Path: "/messages", Body: []byte(`{"roomId":"r","text":"hi"}`)}
		call.ForBot(bot)
		raw, err := call.Encode()
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		herr := h.Handle(ctx, &workers.Event{Raw: raw})
		cancel()
		if !workers.IsPermanent(herr) {
			t.Errorf("record of bot %q: %v, want a permanent error", bot, herr)
		}
	}
	for _, c := range sim.Calls() {
		if c.Path == "/messages" {
			t.Errorf("a call was made: %s %s", c.Method, c.Path)
		}
	}
}
