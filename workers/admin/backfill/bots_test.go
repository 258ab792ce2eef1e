package backfill_test

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/admin/backfill"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// TestBackfillPerBot: two bots are told of nothing (no webhooks); a
// backfill of bot b with b's token stores b's messages on b's subjects
// with b's header and dedup key, and none of the default bot's; run
// again, it finds them stored (seen per bot); the default bot's backfill
// then stores its own, not taking b's for its own.
func TestBackfillPerBot(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	sim := emulator.NewTest(t, emulator.Options{Bots: []emulator.BotSpec{{ID: "b"}}})
	since := time.Now().Add(-time.Hour)
	for _, bot := range []string{"", "b"} {
		if _, err := sim.PostAsUser(emulator.UserMessage{Bot: bot, PersonEmail: "u@example.com", Text: "hello " + bot}); err != nil {
			t.Fatal(err)
		}
	}
	clientOf := func(bot string) *webex.Client {
		info, ok := sim.BotByID(bot)
		if !ok {
			t.Fatalf("no bot %q", bot)
		}
		c, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: info.Token, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	count := func(filter string) uint64 {
		s, err := js.Stream(testCtx(t), events.EventsStream)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(testCtx(t), jetstream.WithSubjectFilter(filter))
		if err != nil {
			t.Fatal(err)
		}
		var n uint64
		for _, c := range info.State.Subjects {
			n += c
		}
		return n
	}

	sum, err := backfill.Run(testCtx(t), js, clientOf("b"), backfill.Options{Since: since, Bot: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Stored != 1 || count(events.BotEventsFilter("b")) != 1 || count(events.BotEventsFilter(events.DefaultBot)) != 0 {
		t.Fatalf("backfill of b: %+v; b has %d events, the default bot %d; want b's 1 alone", sum, count(events.BotEventsFilter("b")), count(events.BotEventsFilter(events.DefaultBot)))
	}
	s, _ := js.Stream(testCtx(t), events.EventsStream)
	m, err := s.GetLastMsgForSubject(testCtx(t), events.BotEventsFilter("b"))
	if err != nil {
		t.Fatal(err)
	}
	env, err := events.Decode(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	if events.BotOf(m.Header) != "b" || events.StoredMsgID(m.Header) != events.MsgID(events.BotDedupKey("b", env, nil)) {
		t.Errorf("b's event: bot %q, id %q; want b, its bot dedup key's", events.BotOf(m.Header), events.StoredMsgID(m.Header))
	}

	again, err := backfill.Run(testCtx(t), js, clientOf("b"), backfill.Options{Since: since, Bot: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Stored != 0 || again.Seen != 1 {
		t.Errorf("backfill of b again: %+v, want its message seen", again)
	}
	def, err := backfill.Run(testCtx(t), js, clientOf(""), backfill.Options{Since: since})
	if err != nil {
		t.Fatal(err)
	}
	if def.Stored != 1 || count(events.BotEventsFilter(events.DefaultBot)) != 1 {
		t.Errorf("backfill of the default bot: %+v, want its own message stored", def)
	}
}
