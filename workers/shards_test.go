package workers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
)

// testSharding is what the shard tests run with: three streams over the
// default sixteen partitions.
var testSharding = events.Sharding{Shards: 3, Partitions: events.DefaultPartitions}

// newShardedEnv is a server with the events split over testSharding's
// streams.
func newShardedEnv(t *testing.T) *testEnv {
	t.Helper()
	s := localnats.StartTest(t)
	_, js := s.ConnectTest(t)
	o := events.DefaultStreamOptions()
	o.Storage = jetstream.MemoryStorage
	o.Sharding = testSharding
	localnats.ProvisionTest(t, js, o)
	return &testEnv{js: js}
}

func shardedConfig(t *testing.T, name string) Config {
	t.Helper()
	cfg, _ := testConfig(t, name)
	cfg.Shards = testSharding.Shards
	cfg.Partitions = testSharding.Partitions
	return cfg
}

// roomBody is a messages/created delivery for message id in room.
func roomBody(id, room string) []byte {
	return fmt.Appendf(nil, `{"id":"wh-1","name":"bot","resource":"messages","event":"created",`+
		`"actorId":"p-1","data":{"id":%q,"roomId":%q,"personId":"p-1","roomType":"group"}}`, id, room)
}

// stored is one event a test stored: where it went.
type stored struct {
	id, room string
	stream   string
	seq      uint64
}

// publishRooms stores perRoom events in each of rooms, room after room
// for each round, as ingest would (subject by room partition), and returns
// them in the order stored.
func (e *testEnv) publishRooms(t *testing.T, rooms []string, perRoom int) []stored {
	t.Helper()
	var out []stored
	for i := range perRoom {
		for _, room := range rooms {
			id := room + "-m" + strconv.Itoa(i)
			body := roomBody(id, room)
			env, err := events.Decode(body)
			if err != nil {
				t.Fatal(err)
			}
			msg := nats.NewMsg(env.Subject(testSharding.Partitions))
			msg.Data = body
			msg.Header.Set(events.HeaderMsgID, events.DedupKey(env, body))
			ack, err := e.js.PublishMsg(testCtx(t), msg)
			if err != nil {
				t.Fatalf("publish %s: %v", msg.Subject, err)
			}
			out = append(out, stored{id: id, room: room, stream: ack.Stream, seq: ack.Sequence})
		}
	}
	return out
}

// roomsOnEveryShard picks n rooms per shard of testSharding, so that
// every shard's stream gets events.
func roomsOnEveryShard(t *testing.T, n int) []string {
	t.Helper()
	per := make([]int, testSharding.Shards)
	var rooms []string
	for i := 0; len(rooms) < n*testSharding.Shards; i++ {
		room := "room-" + strconv.Itoa(i)
		k := testSharding.Of(events.Partition(room, testSharding.Partitions))
		if per[k] < n {
			per[k]++
			rooms = append(rooms, room)
		}
		if i > 10000 {
			t.Fatal("no rooms found for every shard")
		}
	}
	return rooms
}

// streamsOf counts the stored events per stream.
func streamsOf(evs []stored) map[string]int {
	out := map[string]int{}
	for _, ev := range evs {
		out[ev.stream]++
	}
	return out
}

func TestShardsSharedModeHandlesEveryShardOnce(t *testing.T) {
	t.Parallel()
	env := newShardedEnv(t)
	cfg := shardedConfig(t, "sharded")
	cfg.Concurrency = 2
	cfg.MaxAckPending = 6 // 2 per shard
	cfg.AckWait = 600 * time.Millisecond
	sent := env.publishRooms(t, roomsOnEveryShard(t, 2), 2)
	if got := streamsOf(sent); len(got) != testSharding.Shards {
		t.Fatalf("events stored on %v, want every one of %v", got, testSharding.Streams())
	}

	var (
		running, most atomic.Int32
		release       = make(chan struct{})
		mu            sync.Mutex
		seen          = map[string][]*Event{}
	)
	h := HandlerFunc(func(ctx context.Context, ev *Event) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		mu.Lock()
		seen[ev.Envelope.Data.ID] = append(seen[ev.Envelope.Data.ID], ev)
		mu.Unlock()
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	startRunner(t, env.js, cfg, h)

	// Every shard's consumer is the worker type's, with its share of the
	// window; together they have six events out, two handled at once.
	outstanding := func() int {
		total := 0
		for _, stream := range testSharding.Streams() {
			cons, err := env.js.Consumer(testCtx(t), stream, cfg.Name)
			if err != nil {
				return -1
			}
			info, err := cons.Info(testCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			if info.Config.MaxAckPending != 2 {
				t.Fatalf("consumer on %s: max ack pending %d, want 2 (6 over 3 shards)", stream, info.Config.MaxAckPending)
			}
			total += info.NumAckPending
		}
		return total
	}
	eventually(t, 10*time.Second, func() bool { return outstanding() == 6 }, "every shard's window full")
	// A fetched event reaches its handler a moment after the fetch.
	eventually(t, 10*time.Second, func() bool { return running.Load() == int32(cfg.Concurrency) },
		"the concurrency's %d handlers running with 6 events fetched", cfg.Concurrency)
	// The events waiting for a handler are kept alive well past their ack
	// wait: none is delivered twice.
	<-time.After(3 * cfg.AckWait)
	close(release)

	eventually(t, 15*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == len(sent)
	}, "every event handled")
	eventually(t, 10*time.Second, func() bool { return outstanding() == 0 }, "every event acknowledged")
	if m := most.Load(); m > int32(cfg.Concurrency) {
		t.Errorf("%d handlers ran at once, want at most %d", m, cfg.Concurrency)
	}
	mu.Lock()
	defer mu.Unlock()
	streams := map[string]bool{}
	for _, want := range sent {
		evs := seen[want.id]
		if len(evs) != 1 {
			t.Errorf("event %s handled %d times, want once", want.id, len(evs))
			continue
		}
		ev := evs[0]
		if ev.Stream != want.stream || ev.StreamSeq != want.seq || ev.Delivered != 1 {
			t.Errorf("event %s: handled from %s seq %d delivery %d, stored on %s seq %d", want.id, ev.Stream, ev.StreamSeq, ev.Delivered, want.stream, want.seq)
		}
		streams[ev.Stream] = true
	}
	if len(streams) != testSharding.Shards {
		t.Errorf("handled events from %v, want every shard", streams)
	}
}

func TestShardsOrderedModeKeepsRoomOrder(t *testing.T) {
	t.Parallel()
	env := newShardedEnv(t)
	cfg := shardedConfig(t, "shardedord")
	cfg.Ordered = true
	cfg.Concurrency = 4
	rooms := roomsOnEveryShard(t, 2)
	const perRoom = 5
	sent := env.publishRooms(t, rooms, perRoom)

	var (
		mu    sync.Mutex
		order = map[string][]string{}
		from  = map[string]bool{}
	)
	h := HandlerFunc(func(_ context.Context, ev *Event) error {
		mu.Lock()
		defer mu.Unlock()
		room := ev.Envelope.Data.RoomID
		order[room] = append(order[room], ev.Envelope.Data.ID)
		from[ev.Stream] = true
		// The first event of each room fails once: its room's later
		// events must wait for its retry.
		if len(order[room]) == 1 {
			return errors.New("first try fails")
		}
		return nil
	})
	startRunner(t, env.js, cfg, h)
	eventually(t, 20*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, ids := range order {
			n += len(ids)
		}
		return n == len(sent)+len(rooms)
	}, "every event handled, the first of each room twice")

	// Each partition's consumer is on its shard's stream, and only there.
	for p := range testSharding.Partitions {
		name := events.PartitionConsumerName(cfg.Name, p)
		for _, stream := range testSharding.Streams() {
			_, err := env.js.Consumer(testCtx(t), stream, name)
			switch want := testSharding.StreamOf(p); {
			case stream == want && err != nil:
				t.Errorf("partition %d: no consumer on %s: %v", p, stream, err)
			case stream != want && !errors.Is(err, jetstream.ErrConsumerNotFound):
				t.Errorf("partition %d: consumer on %s, want it only on %s (err %v)", p, stream, want, err)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, room := range rooms {
		want := []string{room + "-m0"}
		for i := range perRoom {
			want = append(want, room+"-m"+strconv.Itoa(i))
		}
		if fmt.Sprint(order[room]) != fmt.Sprint(want) {
			t.Errorf("room %s handled in the order %v, want %v", room, order[room], want)
		}
	}
	if len(from) != testSharding.Shards {
		t.Errorf("handled events from %v, want every shard", from)
	}
}

func TestShardsDeadLetterCarriesItsStream(t *testing.T) {
	t.Parallel()
	env := newShardedEnv(t)
	cfg := shardedConfig(t, "shardeddlq")
	rooms := roomsOnEveryShard(t, 1)
	// One event on each shard: each is its stream's first message, so all
	// have stream sequence 1.
	sent := env.publishRooms(t, rooms, 1)
	for _, ev := range sent {
		if ev.seq != 1 {
			t.Fatalf("event %s stored at %s seq %d, want seq 1", ev.id, ev.stream, ev.seq)
		}
	}
	startRunner(t, env.js, cfg, HandlerFunc(func(context.Context, *Event) error {
		return Permanent(errors.New("refused"))
	}))
	eventually(t, 10*time.Second, func() bool { return len(env.deadLetters(t, cfg.Name)) == len(sent) },
		"a dead letter for each shard's event (same seq, different streams)")
	got := map[string]string{}
	for _, dl := range env.deadLetters(t, cfg.Name) {
		got[dl.Header.Get(events.HeaderOrigSubject)] = dl.Header.Get(events.HeaderOrigStream) + " " + dl.Header.Get(events.HeaderOrigSeq)
	}
	for _, ev := range sent {
		subject := events.EventSubject("messages", "created", events.Partition(ev.room, testSharding.Partitions))
		if want := ev.stream + " 1"; got[subject] != want {
			t.Errorf("dead letter of %s: origin %q, want %q", subject, got[subject], want)
		}
	}
	if got := streamsOf(sent)[events.ShardStream(2)]; got != 1 {
		t.Fatalf("%d events on shard 2, want 1", got)
	}
}

func TestShardsRequeueStaysOnItsShard(t *testing.T) {
	t.Parallel()
	env := newShardedEnv(t)
	cfg := shardedConfig(t, "shardedrq")
	cfg.MaxDeliver = 1
	rooms := roomsOnEveryShard(t, 1)
	sent := env.publishRooms(t, rooms, 1)
	var waited sync.Map
	startRunner(t, env.js, cfg, HandlerFunc(func(_ context.Context, ev *Event) error {
		// The original waits through its only delivery; the copy is
		// handled.
		if _, again := waited.LoadOrStore(ev.Envelope.Data.ID, ev.Stream); !again {
			return Wait(errors.New("paused"), time.Millisecond)
		}
		if !ev.Replay {
			return fmt.Errorf("event %s handled again without being a copy", ev.Envelope.Data.ID)
		}
		waited.Store(ev.Envelope.Data.ID, "copy on "+ev.Stream+" as "+ev.Header.Get(events.HeaderMsgID))
		return nil
	}))
	// A copy's id names its original by stream sequence, and by stream too
	// past shard 0: the sequences repeat across the shards.
	want := func(ev stored) string {
		id := "requeue:" + cfg.Name + ":" + strconv.FormatUint(ev.seq, 10)
		if ev.stream != events.EventsStream {
			id = "requeue:" + cfg.Name + ":" + ev.stream + ":" + strconv.FormatUint(ev.seq, 10)
		}
		return "copy on " + ev.stream + " as " + id
	}
	eventually(t, 10*time.Second, func() bool {
		for _, ev := range sent {
			if v, _ := waited.Load(ev.id); v != want(ev) {
				return false
			}
		}
		return true
	}, "each event's copy handled from its own shard, with an id naming its original")
}

func TestShardsConfig(t *testing.T) {
	t.Parallel()
	base := DefaultConfig("w")
	base.Events = []events.ResourceEvent{{Resource: "messages", Event: "created"}}
	tests := []struct {
		name string
		edit func(*Config)
		ok   bool
	}{
		{name: "default: one shard", edit: func(*Config) {}, ok: true},
		{name: "three over sixteen", edit: func(c *Config) { c.Shards = 3 }, ok: true},
		{name: "more shards than partitions", edit: func(c *Config) { c.Shards, c.Partitions = 5, 4 }},
		{name: "too many", edit: func(c *Config) { c.Shards, c.Partitions = events.MaxShards+1, 1024 }},
		{name: "a window below one per shard", edit: func(c *Config) { c.Shards, c.Concurrency, c.MaxAckPending = 8, 2, 4 }},
		{name: "ordered needs no window per shard", edit: func(c *Config) { c.Ordered, c.Shards, c.Concurrency, c.MaxAckPending = true, 8, 2, 4 }, ok: true},
		{name: "an input on a shard", edit: func(c *Config) {
			c.Input = &Input{Stream: events.ShardStream(1), FilterSubjects: []string{"webex.events.>"}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := base
			tt.edit(&c)
			if err := c.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tt.ok)
			}
		})
	}
	c := base
	c.Shards, c.MaxAckPending = 3, 1000
	specs := c.source().feeds(c.withDefaults())
	if len(specs) != 3 {
		t.Fatalf("%d shared feeds, want one per shard", len(specs))
	}
	for k, s := range specs {
		cc, err := s.declare()
		if err != nil {
			t.Fatal(err)
		}
		if s.stream != events.ShardStream(k) || s.name != "w" || cc.Durable != "w" || cc.MaxAckPending != 333 {
			t.Errorf("feed %d: %s on %s with max ack pending %d, want w on %s with 333", k, s.name, s.stream, cc.MaxAckPending, events.ShardStream(k))
		}
	}
}
