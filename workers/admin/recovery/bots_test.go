package recovery_test

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/admin/recovery"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// TestRecoveryPerBot: bot b's recoverer, with b's token, stores b's lost
// message on b's subjects and keeps its gaps under a key of its own: the
// default bot's recoverer finds no gap of b's to run.
func TestRecoveryPerBot(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	sim := emulator.NewTest(t, emulator.Options{Bots: []emulator.BotSpec{{ID: "b"}}})
	start := time.Now().Add(-time.Minute)
	for _, bot := range []string{"", "b"} {
		if _, err := sim.PostAsUser(emulator.UserMessage{Bot: bot, PersonEmail: "u@example.com", Text: "lost"}); err != nil {
			t.Fatal(err)
		}
	}
	open := func(bot string) (*recovery.Recoverer, *[]recovery.Result) {
		info, _ := sim.BotByID(bot)
		c, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: info.Token, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		var results []recovery.Result
		r, err := recovery.Open(testCtx(t), js, c, recovery.Options{Bot: bot, OnFinish: func(r recovery.Result) { results = append(results, r) }})
		if err != nil {
			t.Fatal(err)
		}
		return r, &results
	}
	rb, bResults := open("b")
	rd, dResults := open("")
	out := webhooks.Outage{WebhookID: "wh-b", Name: "webexpipe messages/created", Resource: "messages", Event: "created",
		From: start, Until: time.Now().Add(time.Minute), Cause: webhooks.CauseReactivated}
	if err := rb.Record(testCtx(t), out); err != nil {
		t.Fatal(err)
	}
	if err := rd.Run(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if len(*dResults) != 0 {
		t.Errorf("the default bot's recoverer ran %+v, b's gap", *dResults)
	}
	if err := rb.Run(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if len(*bResults) != 1 || (*bResults)[0].Stored != 1 {
		t.Fatalf("b's recovery: %+v, want its one message stored", *bResults)
	}
	s, err := js.Stream(testCtx(t), events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	for bot, want := range map[string]uint64{"b": 1, events.DefaultBot: 0} {
		info, err := s.Info(testCtx(t), jetstream.WithSubjectFilter(events.BotEventsFilter(bot)))
		if err != nil {
			t.Fatal(err)
		}
		var got uint64
		for _, n := range info.State.Subjects {
			got += n
		}
		if got != want {
			t.Errorf("bot %s has %d events (%v), want %d", bot, got, info.State.Subjects, want)
		}
	}
}
