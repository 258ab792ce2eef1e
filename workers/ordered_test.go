package workers

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
)

// handling is one Handle call of the ordered test: which replica, which
// room, which stored event, and when.
type handling struct {
	replica    int
	room       string
	seq        uint64
	start, end time.Time
}

// orderLog is a handler for several replicas that records every call and
// takes a little time over each, so that overlaps would show.
type orderLog struct {
	work time.Duration

	mu    sync.Mutex // guards calls
	calls []handling
}

func (l *orderLog) replica(n int) Handler {
	return HandlerFunc(func(ctx context.Context, ev *Event) error {
		h := handling{replica: n, room: ev.Envelope.Data.RoomID, seq: ev.StreamSeq, start: time.Now()}
		t := time.NewTimer(l.work)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
		h.end = time.Now()
		l.mu.Lock()
		l.calls = append(l.calls, h)
		l.mu.Unlock()
		return nil
	})
}

func (l *orderLog) snapshot() []handling {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]handling(nil), l.calls...)
}

// byRoom returns the calls of room in the order they started.
func (l *orderLog) byRoom(room string) []handling {
	var out []handling
	for _, h := range l.snapshot() {
		if h.room == room {
			out = append(out, h)
		}
	}
	// Calls are appended when they end; with one call per room at a time
	// that is also the order they started in. Sorting by start keeps a
	// violation visible rather than hiding it.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].start.Before(out[j-1].start); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// handledSeqs is the set of stream sequences handled at least once.
func (l *orderLog) handledSeqs() map[uint64]bool {
	seen := map[uint64]bool{}
	for _, h := range l.snapshot() {
		seen[h.seq] = true
	}
	return seen
}

// publishRoomEvent stores a messages/created delivery for message id in
// room, partitioned as ingest does by default.
func publishRoomEvent(t *testing.T, js jetstream.JetStream, room, id string) uint64 {
	t.Helper()
	return publishRoomEventOn(t, js, room, id, events.DefaultPartitions)
}

// publishRoomEventOn is publishRoomEvent with ingest spreading events over
// partitions partitions.
func publishRoomEventOn(t *testing.T, js jetstream.JetStream, room, id string, partitions int) uint64 {
	t.Helper()
	body := fmt.Appendf(nil, `{"id":"wh-1","name":"bot","resource":"messages","event":"created",`+
		`"actorId":"p-1","data":{"id":%q,"roomId":%q,"personId":"p-1","roomType":"group"}}`, id, room)
	env, err := events.Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	msg := nats.NewMsg(env.Subject(partitions))
	msg.Data = body
	msg.Header.Set(events.HeaderMsgID, events.DedupKey(env, body))
	msg.Header.Set(events.HeaderResource, env.Resource)
	msg.Header.Set(events.HeaderEvent, env.Event)
	ack, err := js.PublishMsg(testCtx(t), msg)
	if err != nil {
		t.Fatalf("publish %s: %v", id, err)
	}
	return ack.Sequence
}

// twoRooms returns two room ids on different partitions.
func twoRooms() (string, string) {
	a := "room-a"
	for i := 0; ; i++ {
		b := fmt.Sprintf("room-b%d", i)
		if events.Partition(a, events.DefaultPartitions) != events.Partition(b, events.DefaultPartitions) {
			return a, b
		}
	}
}

// checkRoomOrder fails when room's events were not handled one at a time
// in stream order.
func checkRoomOrder(t *testing.T, l *orderLog, room string) {
	t.Helper()
	calls := l.byRoom(room)
	for i := 1; i < len(calls); i++ {
		prev, cur := calls[i-1], calls[i]
		if cur.seq < prev.seq {
			t.Errorf("room %s: seq %d handled after seq %d", room, cur.seq, prev.seq)
		}
		if cur.start.Before(prev.end) {
			t.Errorf("room %s: seq %d (replica %d) started before seq %d (replica %d) ended", room, cur.seq, cur.replica, prev.seq, prev.replica)
		}
	}
}

// TestOrderedPerRoomAcrossReplicas: two replicas in ordered mode handle the
// events of one room one at a time in stream order while another room goes
// on in parallel; when the replica holding a room's partition dies without
// a word (its connection closed), the other takes the partition over within
// the pin timeout and the room's order holds.
func TestOrderedPerRoomAcrossReplicas(t *testing.T) {
	for name, start := range map[string]func(t *testing.T) (jetstream.JetStream, func() (*nats.Conn, jetstream.JetStream)){
		"single server": func(t *testing.T) (jetstream.JetStream, func() (*nats.Conn, jetstream.JetStream)) {
			srv, _, js := localnats.StartProvisioned(t)
			return js, func() (*nats.Conn, jetstream.JetStream) { return srv.ConnectTest(t) }
		},
		"three-node cluster": func(t *testing.T) (jetstream.JetStream, func() (*nats.Conn, jetstream.JetStream)) {
			c := localnats.StartClusterTest(t)
			_, js := c.ConnectTest(t)
			o := events.DefaultStreamOptions()
			o.Replicas = 3
			o.Storage = jetstream.MemoryStorage
			localnats.ProvisionTest(t, js, o)
			return js, func() (*nats.Conn, jetstream.JetStream) { return c.ConnectTest(t) }
		},
	} {
		t.Run(name, func(t *testing.T) {
			js, connect := start(t)
			testOrderedReplicas(t, js, connect)
		})
	}
}

func testOrderedReplicas(t *testing.T, js jetstream.JetStream, connect func() (*nats.Conn, jetstream.JetStream)) {
	roomA, roomB := twoRooms()
	log := &orderLog{work: 15 * time.Millisecond}

	const pinTimeout, ackWait = 2 * time.Second, time.Second
	conns := make([]*nats.Conn, 2)
	runners := make([]*runningRunner, 2)
	for i := range runners {
		nc, rjs := connect()
		conns[i] = nc
		cfg, _ := testConfig(t, "ordered")
		cfg.Ordered = true
		cfg.PinTimeout = pinTimeout
		cfg.AckWait = ackWait
		cfg.DrainTimeout = time.Second
		r, err := New(rjs, cfg, log.replica(i))
		if err != nil {
			t.Fatal(err)
		}
		runners[i] = runRunner(t, r)
	}

	const perRoom = 20
	seqs := map[uint64]bool{}
	for i := range perRoom {
		seqs[publishRoomEvent(t, js, roomA, fmt.Sprintf("a-%d", i))] = true
		seqs[publishRoomEvent(t, js, roomB, fmt.Sprintf("b-%d", i))] = true
	}
	eventually(t, 15*time.Second, func() bool { return len(log.handledSeqs()) == len(seqs) },
		"%d of %d events handled", len(log.handledSeqs()), len(seqs))
	checkRoomOrder(t, log, roomA)
	checkRoomOrder(t, log, roomB)
	if !overlap(log.byRoom(roomA), log.byRoom(roomB)) {
		t.Errorf("rooms %s and %s were never handled at the same time", roomA, roomB)
	}

	// The replica that handled room A last dies: no unpin, no drain.
	a := log.byRoom(roomA)
	owner := a[len(a)-1].replica
	survivor := 1 - owner
	conns[owner].Close()
	died := time.Now()
	for i := range perRoom {
		seqs[publishRoomEvent(t, js, roomA, fmt.Sprintf("a2-%d", i))] = true
		seqs[publishRoomEvent(t, js, roomB, fmt.Sprintf("b2-%d", i))] = true
	}
	// The partition moves after pinTimeout; an event the dead replica held
	// comes back after its ack wait; the rest is handling time.
	within := pinTimeout + ackWait + 3*time.Second
	eventually(t, within, func() bool { return len(log.handledSeqs()) == len(seqs) },
		"after replica %d died, %d of %d events handled", owner, len(log.handledSeqs()), len(seqs))
	t.Logf("replica %d died; replica %d finished its rooms %s later", owner, survivor, time.Since(died).Round(time.Millisecond))
	checkRoomOrder(t, log, roomA)
	checkRoomOrder(t, log, roomB)
	for _, h := range log.snapshot() {
		if h.start.After(died.Add(100*time.Millisecond)) && h.replica == owner {
			t.Errorf("dead replica %d handled seq %d", owner, h.seq)
		}
	}
}

// runRunner runs r until the test ends.
func runRunner(t *testing.T, r *Runner) *runningRunner {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rr := &runningRunner{cancel: cancel, finished: make(chan struct{})}
	go func() {
		defer close(rr.finished)
		rr.err = r.Run(ctx)
	}()
	t.Cleanup(func() { rr.stop(t) })
	select {
	case <-r.Ready():
	case <-rr.finished:
		t.Fatalf("runner ended before it was ready: %v", rr.err)
	case <-time.After(10 * time.Second):
		t.Fatal("runner not ready")
	}
	return rr
}

// overlap reports whether some call in a ran while some call in b did.
func overlap(a, b []handling) bool {
	for _, x := range a {
		for _, y := range b {
			if x.start.Before(y.end) && y.start.Before(x.end) {
				return true
			}
		}
	}
	return false
}

// TestOrderedStopHandsOver: a replica that stops cleanly releases its
// partitions, so the other takes them at once rather than after the pin
// timeout.
func TestOrderedStopHandsOver(t *testing.T) {
	srv, _, js := localnats.StartProvisioned(t)
	room, _ := twoRooms()
	log := &orderLog{work: time.Millisecond}

	const pinTimeout = 20 * time.Second // far longer than the test waits
	runners := make([]*runningRunner, 2)
	for i := range runners {
		_, rjs := srv.ConnectTest(t)
		cfg, _ := testConfig(t, "handover")
		cfg.Ordered = true
		cfg.PinTimeout = pinTimeout
		r, err := New(rjs, cfg, log.replica(i))
		if err != nil {
			t.Fatal(err)
		}
		runners[i] = runRunner(t, r)
	}
	first := publishRoomEvent(t, js, room, "before")
	eventually(t, 10*time.Second, func() bool { return log.handledSeqs()[first] }, "first event not handled")
	owner := log.byRoom(room)[0].replica
	if err := runners[owner].stop(t); err != nil {
		t.Fatalf("stop replica %d: %v", owner, err)
	}
	stopped := time.Now()
	second := publishRoomEvent(t, js, room, "after")
	eventually(t, 5*time.Second, func() bool { return log.handledSeqs()[second] },
		"event after the stop not handled: the partition was not released")
	t.Logf("taken over %s after the stop", time.Since(stopped).Round(time.Millisecond))
	if got := log.byRoom(room); got[len(got)-1].replica == owner {
		t.Errorf("stopped replica %d handled seq %d", owner, second)
	}
}

func TestOrderedConfig(t *testing.T) {
	for name, tc := range map[string]func(*Config){
		"with input":       func(c *Config) { c.Input = &Input{Stream: events.CallsStream} },
		"short pin":        func(c *Config) { c.PinTimeout = fetchWait },
		"partitions above": func(c *Config) { c.Partitions = maxPartitions + 1 },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := DefaultConfig("echo")
			cfg.Events = []events.ResourceEvent{{Resource: "messages", Event: "created"}}
			cfg.Ordered = true
			tc(&cfg)
			if err := cfg.Validate(); err == nil {
				t.Error("accepted")
			}
		})
	}
}
