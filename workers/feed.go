package workers

import (
	"context"
	"slices"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// pinHeader carries, on every message of a pinned-client consumer, the id
// the server gave the pull client it is pinned to.
const pinHeader = "Nats-Pin-Id"

// maxBatch bounds how many messages one pull request asks for.
const maxBatch = 64

// feed is one consumer as a running runner sees it: the consumer, its
// window of slots, and, for a partition of an ordered worker type, the
// room queues and the pin this runner last saw.
type feed struct {
	spec  feedSpec
	cons  jetstream.Consumer
	opts  []jetstream.FetchOpt
	slots slots
	// batch is how many free slots a new pull request waits for while
	// another request is still open: fewer, larger requests cost the
	// server less per message than one request per freed slot.
	batch int
	rooms *rooms // nil for the shared consumer

	mu  sync.Mutex // guards pin
	pin string     // the pin id of this runner's last delivery; "" before one
}

// newFeed is the feed of spec. A shared consumer's window is as many
// events as there are handlers (fewer when its share of MaxAckPending is
// smaller), so that one shard holding all the traffic can keep every
// handler busy; with several shards an event that arrives while every
// handler is busy waits for one, kept alive (see Runner.awaitHandler). A
// partition's window is its share of MaxAckPending, and its messages wait
// in room queues for a handler.
func (r *Runner) newFeed(spec feedSpec, cons jetstream.Consumer) *feed {
	f := &feed{spec: spec, cons: cons}
	n := r.cfg.Concurrency
	if r.cfg.Input == nil && !r.cfg.Ordered {
		n = min(n, r.cfg.shardWindow())
	}
	if spec.partition >= 0 {
		n = r.cfg.partitionWindow()
		f.opts = []jetstream.FetchOpt{jetstream.FetchPriorityGroup(events.OwnerGroup)}
	}
	f.slots = newSlots(n)
	f.batch = min(max(1, n/4), maxBatch)
	return f
}

// notePin remembers the pin id msg came with and reports whether this
// runner just became the partition's owner: the first delivery of a run,
// or the first after the partition was with another replica.
func (f *feed) notePin(msg jetstream.Msg) bool {
	pin := msg.Headers().Get(pinHeader)
	f.mu.Lock()
	defer f.mu.Unlock()
	changed := pin != f.pin
	f.pin = pin
	return changed
}

// releasePartitions unpins this runner from the partitions it still owns,
// so that the other replicas take them over now rather than after
// PinTimeout. Events still queued here were given back, and those still
// being handled keep the new owner waiting (see rooms.gate) until they are
// settled. Checking the owner and unpinning are two steps; should the
// partition move in between, its new owner is unpinned too and simply
// pinned again.
func (r *Runner) releasePartitions(feeds []*feed) {
	ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()
	streams := map[string]jetstream.Stream{}
	for _, f := range feeds {
		if f.spec.partition < 0 {
			continue
		}
		f.mu.Lock()
		pin := f.pin
		f.mu.Unlock()
		if pin == "" {
			continue
		}
		info, err := f.cons.Info(ctx)
		if err != nil || !pinnedTo(info, pin) {
			continue
		}
		stream := streams[f.spec.stream]
		if stream == nil {
			if stream, err = r.js.Stream(ctx, f.spec.stream); err != nil {
				r.log.Warn("partition not released; another replica takes it after the pin timeout", "partition", f.spec.partition, "stream", f.spec.stream, "error", err)
				continue
			}
			streams[f.spec.stream] = stream
		}
		if err := stream.UnpinConsumer(ctx, f.spec.name, events.OwnerGroup); err != nil {
			r.log.Warn("partition not released; another replica takes it after the pin timeout", "partition", f.spec.partition, "error", err)
			continue
		}
		r.log.Info("partition released", "partition", f.spec.partition)
	}
}

func pinnedTo(info *jetstream.ConsumerInfo, pin string) bool {
	return slices.ContainsFunc(info.PriorityGroups, func(g jetstream.PriorityGroupState) bool {
		return g.Group == events.OwnerGroup && g.PinnedClientID == pin
	})
}
