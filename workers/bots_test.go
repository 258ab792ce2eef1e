package workers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/metricstest"
)

// publishBotEvent stores a messages/created event of bot as ingest stores
// a registered bot's: under the bot's subject, with its header and key.
func (e *testEnv) publishBotEvent(t *testing.T, bot, id string) {
	t.Helper()
	body := webhookBody(id)
	env, err := events.Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	msg := nats.NewMsg(events.BotEventSubject(bot, env.Resource, env.Event, events.Partition(env.Data.RoomID, events.DefaultPartitions)))
	msg.Data = body
	msg.Header.Set(events.HeaderMsgID, events.BotDedupKey(bot, env, body))
	events.SetBot(msg.Header, bot)
	e.publish(t, msg)
}

// TestRunnerServesOneBot: a runner for bot alpha consumes through
// <worker>@alpha, sees alpha's events only, each with its Bot; its
// requeued copies and dead letters keep the bot, and its metrics carry it.
func TestRunnerServesOneBot(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg, reg := testConfig(t, "botty") // MaxDeliver 3
	cfg.Bot = "alpha"
	var (
		mu   sync.Mutex
		seen = map[string]*Event{}
		runs = map[string]int{}
	)
	h := HandlerFunc(func(_ context.Context, ev *Event) error {
		mu.Lock()
		defer mu.Unlock()
		id := ev.Envelope.Data.ID
		runs[id]++
		if !ev.Replay {
			seen[id] = ev
		}
		switch {
		case id == "waits" && runs[id] <= 4: // more waits than deliveries: requeued
			return Wait(errors.New("paused"), 20*time.Millisecond)
		case id == "waits":
			seen["waits-copy"] = ev
		case id == "fails":
			return Permanent(errors.New("no"))
		}
		return nil
	})
	env.publishBotEvent(t, "beta", "beta-1") // another bot's: never seen
	env.publishEvent(t, "default-1")         // the default bot's: never seen
	env.publishBotEvent(t, "alpha", "alpha-1")
	env.publishBotEvent(t, "alpha", "waits")
	env.publishBotEvent(t, "alpha", "fails")
	startRunner(t, env.js, cfg, h)

	eventually(t, 10*time.Second, func() bool {
		return metricValue(t, reg, "alpha", outcomeOK) == 2 && metricValue(t, reg, "alpha", outcomeDeadLetter) == 1
	}, "alpha's events not all settled")
	info := env.consumerInfo(t, events.BotConsumerName("botty", "alpha"))
	if info.Name != "botty@alpha" {
		t.Errorf("consumer %s, want botty@alpha", info.Name)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["beta-1"] != nil || seen["default-1"] != nil {
		t.Error("the runner of alpha handled another bot's event")
	}
	if ev := seen["alpha-1"]; ev == nil || ev.Bot != "alpha" {
		t.Errorf("alpha's event: %+v, want Bot alpha", ev)
	}
	copyEv := seen["waits-copy"]
	if copyEv == nil {
		t.Fatal("the requeued copy was not handled")
	}
	if a, ok := events.ParseSubject(copyEv.Subject); !ok || a.Worker != "botty" || a.Bot != "alpha" || copyEv.Bot != "alpha" || events.BotOf(copyEv.Header) != "alpha" {
		t.Errorf("requeued copy on %s, Bot %q, header %q: want alpha's replay subject and bot", copyEv.Subject, copyEv.Bot, events.BotOf(copyEv.Header))
	}
	dls := env.deadLetters(t, "botty")
	if len(dls) != 1 || events.BotOf(dls[0].Header) != "alpha" {
		t.Fatalf("dead letters %d, want 1 of bot alpha", len(dls))
	}
}

// metricValue is webexpipe_worker_handled_total of worker botty, bot
// and outcome.
func metricValue(t *testing.T, reg *prometheus.Registry, bot string, o outcome) float64 {
	return metricstest.Value(t, reg, "webexpipe_worker_handled_total", map[string]string{"worker": "botty", "bot": bot, "outcome": string(o)})
}

// TestBotShareOfAPool: two bots' runners share a pool of 4 handlers, and
// beta's runner may hold 3 of them (its Concurrency). Beta's events are on
// three shards, so its consumers' windows together take 9: with beta's
// handlers all stuck, beta still never runs more than 3 at once, and
// alpha's event is handled meanwhile in the handler beta may not take.
func TestBotShareOfAPool(t *testing.T) {
	t.Parallel()
	env := newShardedEnv(t)
	pool := NewHandlerPool(4)
	release := make(chan struct{})
	var (
		mu            sync.Mutex
		running, most int
		alphaDone     = make(chan struct{})
	)
	beta := HandlerFunc(func(ctx context.Context, ev *Event) error {
		mu.Lock()
		running++
		most = max(most, running)
		mu.Unlock()
		defer func() {
			mu.Lock()
			running--
			mu.Unlock()
		}()
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
	var once sync.Once
	alpha := HandlerFunc(func(context.Context, *Event) error {
		once.Do(func() { close(alphaDone) })
		return nil
	})
	publish := func(bot, id, room string) {
		body := roomBody(id, room)
		env2, err := events.Decode(body)
		if err != nil {
			t.Fatal(err)
		}
		msg := nats.NewMsg(events.BotEventSubject(bot, "messages", "created", events.Partition(room, testSharding.Partitions)))
		msg.Data = body
		msg.Header.Set(events.HeaderMsgID, events.MsgID(events.BotDedupKey(bot, env2, body)))
		events.SetBot(msg.Header, bot)
		env.publish(t, msg)
	}
	for i, room := range roomsOnEveryShard(t, 4) {
		for j := range 3 {
			publish("beta", fmt.Sprintf("flood-%d-%d", i, j), room)
		}
	}
	betaCfg := shardedConfig(t, "shared")
	betaCfg.Bot, betaCfg.Handlers, betaCfg.Concurrency = "beta", pool, 3
	alphaCfg := shardedConfig(t, "shared")
	alphaCfg.Bot, alphaCfg.Handlers, alphaCfg.Concurrency = "alpha", pool, 3
	startRunner(t, env.js, betaCfg, beta)
	eventually(t, 10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return running == 3
	}, "beta's handlers did not start")
	startRunner(t, env.js, alphaCfg, alpha)
	publish("alpha", "quiet", roomsOnEveryShard(t, 1)[0])
	select {
	case <-alphaDone:
	case <-time.After(20 * time.Second):
		t.Fatal("alpha's event waited behind beta's stuck handlers")
	}
	mu.Lock()
	if most > 3 {
		t.Errorf("beta ran %d handlers at once, want at most its 3", most)
	}
	mu.Unlock()
	close(release)
}
