package workers

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Gate polling: how often a new owner of a partition asks the server
// whether the previous owner still holds events (see rooms.gate).
const (
	gatePollMin     = 25 * time.Millisecond
	gatePollMax     = time.Second
	gateInfoTimeout = 2 * time.Second
)

// rooms runs the events of one partition of an ordered worker type: one
// event per room at a time, in stream order, while the events of other
// rooms go on in parallel. An event that fails holds only its own room: it
// is retried in place (see Runner.processEvent), and its room's later
// events wait behind it in the queue.
//
// The partition's consumer may have several events out at once (its
// window), and the server hands them to the one replica the partition is
// pinned to. When the partition comes to this replica, the previous owner
// may still hold some of its events: one that stopped pulling still
// handles them, and a dead one's come back only after their AckWait. A room
// whose earlier event is out there must not go on here. So a new owner
// starts nothing until the server counts no event out but the ones this
// runner holds (the gate); by then every unsettled event of the partition is
// in this runner's queues, where stream order decides.
type rooms struct {
	r    *Runner
	f    *feed
	stop context.Context // the run's context: cancelled at shutdown
	work context.Context // the handlers' context
	// start handles item in a goroutine of its own, stops its keep-alive
	// when the handler takes over, and calls finished once it is settled
	// (or given back).
	start func(item *queued, finished func())

	mu      sync.Mutex
	queues  map[string]*roomQueue
	held    int  // events received and not yet settled or given back
	gated   bool // a new owner waiting for the previous one's events
	gateGen int
	stopped bool
}

// roomQueue is one room's events in stream order; busy while one runs.
type roomQueue struct {
	key     string
	waiting []*queued
	busy    bool
}

// queued is an event waiting for its turn, kept alive meanwhile.
type queued struct {
	ev        *Event
	done      func() // frees its place in the window
	stopAlive func()
}

func newRooms(r *Runner, f *feed, stop, work context.Context, start func(item *queued, finished func())) *rooms {
	return &rooms{r: r, f: f, stop: stop, work: work, start: start, queues: map[string]*roomQueue{}}
}

// add queues a delivery behind the earlier events of its room.
func (q *rooms) add(msg jetstream.Msg, done func()) {
	newOwner := q.f.notePin(msg)
	ev, ok := q.r.receive(msg)
	if !ok {
		done()
		return
	}
	ev.Ordered = true
	item := &queued{ev: ev, done: done, stopAlive: keepAlive(q.work, ev, q.r.cfg.AckWait/3, q.r.log)}
	key := roomKey(ev)

	q.mu.Lock()
	defer q.mu.Unlock()
	if newOwner {
		q.gateLocked()
	}
	room := q.queues[key]
	if room == nil {
		room = &roomQueue{key: key}
		q.queues[key] = room
	}
	// In stream order: redeliveries after a takeover may arrive after
	// later events of the same room.
	at, _ := slices.BinarySearchFunc(room.waiting, ev.StreamSeq, func(w *queued, seq uint64) int {
		return cmp.Compare(w.ev.StreamSeq, seq)
	})
	room.waiting = slices.Insert(room.waiting, at, item)
	q.held++
	q.nextLocked(room)
}

// roomKey is what orders an event: its room, or for an event without one
// (or that did not decode) the event alone.
func roomKey(ev *Event) string {
	if ev.Envelope != nil {
		if k := ev.Envelope.PartitionKey(); k != "" {
			return k
		}
	}
	return "seq:" + strconv.FormatUint(ev.StreamSeq, 10)
}

// nextLocked starts the room's first event when the room is free.
func (q *rooms) nextLocked(room *roomQueue) {
	if q.gated || q.stopped || room.busy || len(room.waiting) == 0 || q.stop.Err() != nil {
		return
	}
	item := room.waiting[0]
	room.waiting = room.waiting[1:]
	room.busy = true
	q.start(item, func() { q.finished(room, item) })
}

// finished frees the room of an event that was settled or given back, and
// starts the room's next event.
func (q *rooms) finished(room *roomQueue, item *queued) {
	q.mu.Lock()
	q.held--
	room.busy = false
	if len(room.waiting) == 0 {
		delete(q.queues, room.key)
	} else {
		q.nextLocked(room)
	}
	q.mu.Unlock()
	item.done()
}

// gateLocked holds every room until the previous owner holds nothing.
func (q *rooms) gateLocked() {
	q.gated = true
	q.gateGen++
	gen := q.gateGen
	q.r.log.Info("partition taken; waiting for the previous owner's events", "partition", q.f.spec.partition)
	go q.awaitGate(gen)
}

// awaitGate lifts gate gen once the server counts no event out but the
// ones this runner holds. The count is read between two looks at what this
// runner holds, and only taken when those agree: an event that arrives
// meanwhile makes it wait for the next round. The gate only holds events
// back, so erring on the side of waiting costs time, never order.
func (q *rooms) awaitGate(gen int) {
	wait := gatePollMin
	for {
		if q.stop.Err() != nil {
			return
		}
		if q.gateClear() {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-q.stop.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(wait*2, gatePollMax)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.gateGen != gen {
		return
	}
	q.gated = false
	q.r.log.Info("partition taken", "partition", q.f.spec.partition, "held", q.held)
	for _, room := range q.queues {
		q.nextLocked(room)
	}
}

func (q *rooms) gateClear() bool {
	before := q.heldNow()
	ctx, cancel := context.WithTimeout(q.stop, gateInfoTimeout)
	info, err := q.f.cons.Info(ctx)
	cancel()
	if err != nil {
		q.r.log.Debug("partition gate: consumer info failed", "partition", q.f.spec.partition, "error", err)
		return false
	}
	return before == q.heldNow() && info.NumAckPending <= before
}

func (q *rooms) heldNow() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.held
}

// close gives back every event still waiting, at shutdown; those being
// handled finish and are settled as usual.
func (q *rooms) close() {
	q.mu.Lock()
	q.stopped = true
	var back []*queued
	for key, room := range q.queues {
		back = append(back, room.waiting...)
		room.waiting = nil
		if !room.busy {
			delete(q.queues, key)
		}
	}
	q.held -= len(back)
	q.mu.Unlock()
	for _, item := range back {
		item.stopAlive()
		q.r.giveBack(item.ev.msg)
		item.done()
	}
}
