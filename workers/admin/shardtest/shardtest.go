// Package shardtest starts what the tests of the operator tools and of
// their commands need for more than one events shard: an embedded
// JetStream server whose events are split over Shards streams, and events
// stored on every partition.
package shardtest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// Shards and Partitions are the split the tests use: partitions 0, 3, 6,
// ... on WEBEX_EVENTS, 1, 4, 7, ... on WEBEX_EVENTS_1, 2, 5, 8, ... on
// WEBEX_EVENTS_2, so no shard holds an equal share.
const (
	Shards     = 3
	Partitions = 16
)

// Sharding is Shards over Partitions.
func Sharding() events.Sharding { return events.Sharding{Shards: Shards, Partitions: Partitions} }

// Start starts a server, connects and provisions the streams with
// Sharding, in memory.
func Start(tb testing.TB) jetstream.JetStream {
	tb.Helper()
	s := localnats.StartTest(tb)
	_, js := s.ConnectTest(tb)
	o := events.DefaultStreamOptions()
	o.Storage = jetstream.MemoryStorage
	o.Sharding = Sharding()
	localnats.ProvisionTest(tb, js, o)
	return js
}

// Ctx is a context bounded for one test step.
func Ctx(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// Stored locates a stored event.
type Stored struct {
	Stream  string
	Seq     uint64
	Subject string
	RoomID  string
	ID      string
	// Key is the event's dedup key.
	Key string
}

// Body is a messages/created envelope of message id in room.
func Body(id, room string) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": "hook", "resource": "messages", "event": "created",
		"data": map[string]string{"id": id, "roomId": room, "personEmail": "user@example.com"},
	})
	return b
}

// StoreEach stores one messages/created event on every partition, with
// the dedup key ingest would give it, and checks that it landed on its
// partition's shard. The message ids are "m<partition>", the rooms
// "room-<partition>".
func StoreEach(tb testing.TB, js jetstream.JetStream) []Stored {
	tb.Helper()
	sh := Sharding()
	var out []Stored
	for p := range Partitions {
		id, room := "m"+strconv.Itoa(p), "room-"+strconv.Itoa(p)
		msg := nats.NewMsg(events.EventSubject("messages", "created", p))
		msg.Data = Body(id, room)
		msg.Header.Set(events.HeaderResource, "messages")
		msg.Header.Set(events.HeaderEvent, "created")
		env, err := events.Decode(msg.Data)
		if err != nil {
			tb.Fatal(err)
		}
		key := events.DedupKey(env, nil)
		ack, err := js.PublishMsg(Ctx(tb), msg, jetstream.WithMsgID(key))
		if err != nil {
			tb.Fatalf("store on partition %d: %v", p, err)
		}
		if want := sh.StreamOf(p); ack.Stream != want {
			tb.Fatalf("partition %d stored on %s, want %s", p, ack.Stream, want)
		}
		out = append(out, Stored{Stream: ack.Stream, Seq: ack.Sequence, Subject: msg.Subject, RoomID: room, ID: id, Key: key})
	}
	return out
}

// DeadLetter is the dead letter the echo worker stores when it gives up
// on s: its body and dedup key, and where it was stored.
func DeadLetter(s Stored) *nats.Msg {
	m := nats.NewMsg(events.DLQSubject("echo"))
	m.Data = Body(s.ID, s.RoomID)
	m.Header.Set(events.HeaderDedupKey, s.Key)
	events.DeadLetter{Worker: "echo", Reason: "permanent: test", OrigSubject: s.Subject, OrigStream: s.Stream,
		OrigSeq: s.Seq, Deliveries: 1}.Set(m.Header)
	return m
}

// Msgs counts the messages of each events stream.
func Msgs(tb testing.TB, js jetstream.JetStream) map[string]uint64 {
	tb.Helper()
	out := map[string]uint64{}
	for _, name := range Sharding().Streams() {
		s, err := js.Stream(Ctx(tb), name)
		if err != nil {
			tb.Fatal(err)
		}
		info, err := s.Info(Ctx(tb))
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = info.State.Msgs
	}
	return out
}

// WorkerConsumers creates the durable consumer of worker type name on every
// shard's stream, taking messages/created from the start, as the worker
// runtime declares it.
func WorkerConsumers(tb testing.TB, js jetstream.JetStream, name string) {
	tb.Helper()
	cfg, err := events.ConsumerConfig(events.ConsumerOptions{Worker: name,
		Events: []events.ResourceEvent{{Resource: "messages", Event: "created"}}, AckWait: time.Minute})
	if err != nil {
		tb.Fatal(err)
	}
	cfg.DeliverPolicy = jetstream.DeliverAllPolicy
	for _, stream := range Sharding().Streams() {
		if _, err := js.CreateOrUpdateConsumer(Ctx(tb), stream, cfg); err != nil {
			tb.Fatalf("consumer %s on %s: %v", name, stream, err)
		}
	}
}

// AckAll has worker name's consumer on stream take and acknowledge every
// event it has, and waits until its ack floor is past them.
func AckAll(tb testing.TB, js jetstream.JetStream, stream, name string) {
	tb.Helper()
	ctx := Ctx(tb)
	cons, err := js.Consumer(ctx, stream, name)
	if err != nil {
		tb.Fatal(err)
	}
	for {
		info, err := cons.Info(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		if info.NumPending == 0 && info.NumAckPending == 0 {
			return
		}
		batch, err := cons.Fetch(100, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			tb.Fatal(err)
		}
		for m := range batch.Messages() {
			if err := m.DoubleAck(ctx); err != nil {
				tb.Fatal(err)
			}
		}
		if ctx.Err() != nil {
			tb.Fatalf("%s on %s: acknowledgements did not settle", name, stream)
		}
	}
}

// Webex starts the Webex emulator and a client of it.
func Webex(tb testing.TB) (*emulator.Server, *webex.Client) {
	tb.Helper()
	sim := emulator.NewTest(tb, emulator.Options{})
	api, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token(), Timeout: 5 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	return sim, api
}

// PostOnEveryShard has users "<prefix><n>@example.com" post text, each in
// a direct room of their own, until the rooms fall on every shard, and
// returns the messages.
func PostOnEveryShard(tb testing.TB, sim *emulator.Server, prefix, text string) []webex.Message {
	tb.Helper()
	sh := Sharding()
	shards := map[int]bool{}
	var out []webex.Message
	for len(shards) < sh.Shards {
		if len(out) == 200 {
			tb.Fatalf("200 rooms and still not every shard has one: %v", shards)
		}
		m, err := sim.PostAsUser(emulator.UserMessage{PersonEmail: fmt.Sprintf("%s%d@example.com", prefix, len(out)), Text: text})
		if err != nil {
			tb.Fatal(err)
		}
		shards[sh.Of(events.Partition(m.RoomID, sh.Partitions))] = true
		out = append(out, m)
	}
	return out
}
