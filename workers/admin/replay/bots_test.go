package replay_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/admin/replay"
)

// twoBots provisions the streams and echo's consumers for the default bot
// and bot "b", stores n events of each and returns them.
func twoBots(t *testing.T, n int) jetstream.JetStream {
	t.Helper()
	srv := localnats.StartTest(t)
	_, js := srv.ConnectTest(t)
	so := events.DefaultStreamOptions()
	so.Storage = jetstream.MemoryStorage
	localnats.ProvisionTest(t, js, so)
	for _, bot := range []string{events.DefaultBot, "b"} {
		cfg, err := events.ConsumerConfig(events.ConsumerOptions{Worker: "echo", Bot: bot,
			Events: []events.ResourceEvent{{Resource: "messages", Event: "created"}}, AckWait: time.Minute, MaxDeliver: 3, MaxAckPending: 10})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.CreateOrUpdateConsumer(testCtx(t), events.EventsStream, cfg); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			m := nats.NewMsg(events.BotEventSubject(bot, "messages", "created", i%4))
			m.Data = fmt.Appendf(nil, `{"id":"wh-%s","resource":"messages","event":"created","data":{"id":"m-%d","roomId":"r-%d"}}`, bot, i, i)
			events.SetBot(m.Header, bot)
			if _, err := js.PublishMsg(testCtx(t), m); err != nil {
				t.Fatal(err)
			}
		}
	}
	return js
}

// copiesBy counts the replay copies stored, by the bot their subject and
// their Webex-Bot header name (which must agree).
func copiesBy(t *testing.T, js jetstream.JetStream) map[string]int {
	t.Helper()
	s, err := js.Stream(testCtx(t), events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(testCtx(t), jetstream.WithSubjectFilter(events.SubjectRoot+".replay.>"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for subject := range info.State.Subjects {
		a, ok := events.ParseSubject(subject)
		if !ok || a.Worker != "echo" {
			t.Errorf("copy on %s", subject)
			continue
		}
		m, err := s.GetLastMsgForSubject(testCtx(t), subject)
		if err != nil {
			t.Fatal(err)
		}
		if got := events.BotOf(m.Header); got != a.Bot {
			t.Errorf("copy on %s says bot %q", subject, got)
		}
		out[a.Bot] += int(info.State.Subjects[subject])
	}
	return out
}

// TestReplayChosenBots: a replay for bot b copies b's events alone, onto
// b's replay subjects; a resumed run keeps its bots whatever is given; a
// run for both bots copies both; a bot the worker has no consumer for is
// refused.
func TestReplayChosenBots(t *testing.T) {
	js := twoBots(t, 3)

	var items []replay.Item
	o := replay.Options{Worker: "echo", Bots: []string{"b"}, RunID: "bots-b", OnEvent: func(it replay.Item) { items = append(items, it) }}
	sum, err := replay.Run(testCtx(t), js, o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Stored != 3 || !slices.Equal(sum.Bots, []string{"b"}) {
		t.Errorf("replay for b: %+v, want 3 copies of b's", sum)
	}
	for _, it := range items {
		if it.Bot != "b" {
			t.Errorf("item %+v is not b's", it)
		}
	}
	if got := copiesBy(t, js); got["b"] != 3 || got[events.DefaultBot] != 0 {
		t.Errorf("copies %v, want 3 of b's only", got)
	}

	// Resumed with the default bot named: the run is b's, and stores no
	// second copy.
	again, err := replay.Run(testCtx(t), js, replay.Options{Worker: "echo", Bots: []string{events.DefaultBot}, RunID: "bots-b"})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Resumed || !slices.Equal(again.Bots, []string{"b"}) || again.Duplicates != 3 || again.Stored != 0 {
		t.Errorf("resume: %+v, want b's run again, every copy a duplicate", again)
	}

	both, err := replay.Run(testCtx(t), js, replay.Options{Worker: "echo", Bots: []string{"b", events.DefaultBot}})
	if err != nil {
		t.Fatal(err)
	}
	if both.Stored != 6 {
		t.Errorf("replay for both: %+v, want 6 copies", both)
	}
	if got := copiesBy(t, js); got["b"] != 6 || got[events.DefaultBot] != 3 {
		t.Errorf("copies %v, want 6 of b's, 3 of the default bot's", got)
	}

	_, err = replay.Run(testCtx(t), js, replay.Options{Worker: "echo", Bots: []string{"c"}})
	if !errors.Is(err, replay.ErrUnknownWorker) {
		t.Errorf("replay for a bot echo does not serve: %v, want ErrUnknownWorker", err)
	}
	_, err = replay.Run(testCtx(t), js, replay.Options{Worker: "echo", Bots: []string{"B!"}})
	if !errors.Is(err, replay.ErrInvalidOptions) {
		t.Errorf("replay for bot B!: %v, want ErrInvalidOptions", err)
	}
}
