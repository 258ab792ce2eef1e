package webexcall_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// TestWitnessReadsTheRoomsShard: with the events split over three
// streams, the bot's message in a group room is found in the stream of
// the room's shard, whether the event being handled or the stored call
// (the retry worker's case) says where that is.
func TestWitnessReadsTheRoomsShard(t *testing.T) {
	t.Parallel()
	_, js := localnats.StartTest(t).ConnectTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	opts := events.DefaultStreamOptions()
	opts.Storage = jetstream.MemoryStorage
	opts.Sharding = events.Sharding{Shards: 3, Partitions: events.DefaultPartitions}
	if err := events.Provision(ctx, js, opts); err != nil {
		t.Fatal(err)
	}
	// A room on shard 2.
	var room string
	for i := 0; room == ""; i++ {
		r := "group-room-" + strconv.Itoa(i)
		if opts.Sharding.Of(events.Partition(r, events.DefaultPartitions)) == 2 {
			room = r
		}
	}
	p := events.Partition(room, events.DefaultPartitions)
	subject := events.EventSubject("messages", "created", p)
	store := func(personID, id string) *jetstream.PubAck {
		data, _ := json.Marshal(events.Data{ID: id, RoomID: room, RoomType: "group", PersonID: personID})
		body, _ := json.Marshal(events.Envelope{Resource: "messages", Event: "created", RawData: data})
		ack, err := js.Publish(ctx, subject, body)
		if err != nil {
			t.Fatal(err)
		}
		return ack
	}
	userAck := store("user", "msg-user")
	if userAck.Stream != events.ShardStream(2) {
		t.Fatalf("the room's event went to %s, want %s", userAck.Stream, events.ShardStream(2))
	}
	store("bot", "msg-bot")

	w := webexcall.NewStoredEvents(js)
	raw, _ := json.Marshal(events.Envelope{Resource: "messages", Event: "created", RawData: json.RawMessage(`{"id":"msg-user","roomId":"` + room + `"}`)})
	env, err := events.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	handling := workers.ContextWithEvent(ctx, &workers.Event{Stream: userAck.Stream, StreamSeq: userAck.Sequence, Subject: subject, Envelope: env})
	for name, c := range map[string]context.Context{
		"the event handled": handling,
		"the call's record": webexcall.WithStoredEvent(ctx, userAck.Stream, subject, room),
	} {
		ids, err := w.BotMessages(c, "bot", room, time.Time{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(ids, []string{"msg-bot"}) {
			t.Errorf("%s: found %v, want [msg-bot]", name, ids)
		}
	}
}

// TestWitnessReadsItsBotsEvents: each bot's messages are looked for among
// its own stored events; the same message stored for another bot (told
// of it too) is not that bot's proof.
func TestWitnessReadsItsBotsEvents(t *testing.T) {
	t.Parallel()
	_, _, js := localnats.StartProvisioned(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	room := "group-room"
	p := events.Partition(room, events.DefaultPartitions)
	store := func(bot, personID, id string) {
		data, _ := json.Marshal(events.Data{ID: id, RoomID: room, RoomType: "group", PersonID: personID})
		body, _ := json.Marshal(events.Envelope{Resource: "messages", Event: "created", RawData: data})
		if _, err := js.Publish(ctx, events.BotEventSubject(bot, "messages", "created", p), body); err != nil {
			t.Fatal(err)
		}
	}
	store("alpha", "alpha-person", "msg-alpha")
	store("beta", "beta-person", "msg-beta-seen-by-beta")
	store("alpha", "beta-person", "msg-beta-seen-by-alpha")
	for _, tc := range []struct{ bot, person, want string }{
		{"alpha", "alpha-person", "msg-alpha"},
		{"beta", "beta-person", "msg-beta-seen-by-beta"},
	} {
		ids, err := webexcall.NewBotStoredEvents(js, tc.bot).BotMessages(ctx, tc.person, room, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids, []string{tc.want}) {
			t.Errorf("bot %s found %v, want [%s]", tc.bot, ids, tc.want)
		}
	}
	// The default bot's witness reads the subjects without a bot token.
	if ids, err := webexcall.NewStoredEvents(js).BotMessages(ctx, "alpha-person", room, time.Time{}); err != nil || len(ids) != 0 {
		t.Errorf("default bot found %v, %v; want nothing of alpha's", ids, err)
	}
}
