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

// partition is one partition of an ordered worker type as this runner sees
// it.
type partition struct {
	n    int
	cons jetstream.Consumer

	mu  sync.Mutex // guards pin
	pin string     // the pin id of this runner's last delivery; "" before one
}

// runOrdered is Run in ordered mode: one consumer per partition, each
// pulled by a loop of its own with a single handler slot, all in the
// consumers' OwnerGroup, so the server hands a partition to one replica at
// a time and, through MaxAckPending 1, one event at a time. Every delivery
// goes through the same process and settle path as in the shared mode.
func (r *Runner) runOrdered(ctx context.Context) error {
	parts := make([]*partition, r.cfg.Partitions)
	for n := range parts {
		cons, err := r.ensure(ctx, r.partitionDeclaration(n))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		parts[n] = &partition{n: n, cons: cons}
	}
	h, err := r.chain(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	r.readyOnce.Do(func() { close(r.ready) })
	r.logStart()
	r.log.Info("ordered mode: one event per room at a time", "partitions", r.cfg.Partitions, "pin_timeout", r.cfg.PinTimeout)

	// work outlives ctx as in Run: shutdown does not cut handlers short.
	work, abort := context.WithCancel(context.WithoutCancel(ctx))
	defer abort()
	var handlers, loops sync.WaitGroup
	for _, p := range parts {
		loops.Go(func() {
			f := feed{
				cons: p.cons,
				ensure: func(ctx context.Context) (jetstream.Consumer, error) {
					return r.ensure(ctx, r.partitionDeclaration(p.n))
				},
				opts: []jetstream.FetchOpt{jetstream.FetchPriorityGroup(events.OwnerGroup)},
			}
			r.pullFrom(ctx, f, newSlots(1), func(msg jetstream.Msg, done func()) {
				r.notePin(p, msg)
				handlers.Add(1)
				go func() {
					defer handlers.Done()
					defer done()
					r.process(work, h, msg)
				}()
			})
		})
	}
	loops.Wait()
	r.releasePartitions(parts)
	return r.drain(&handlers, abort)
}

// partitionDeclaration declares the consumer of partition n.
func (r *Runner) partitionDeclaration(n int) func() (jetstream.ConsumerConfig, error) {
	return func() (jetstream.ConsumerConfig, error) {
		return events.PartitionConsumerConfig(events.ConsumerOptions{
			Worker:     r.cfg.Name,
			Events:     r.cfg.Events,
			AckWait:    r.cfg.AckWait,
			MaxDeliver: r.cfg.MaxDeliver,
		}, n, r.cfg.PinTimeout)
	}
}

// notePin remembers the pin id msg came with, and logs when this runner
// becomes the partition's owner.
func (r *Runner) notePin(p *partition, msg jetstream.Msg) {
	pin := msg.Headers().Get(pinHeader)
	p.mu.Lock()
	changed := pin != p.pin
	p.pin = pin
	p.mu.Unlock()
	if changed {
		r.log.Info("partition taken", "partition", p.n)
	}
}

// releasePartitions unpins this runner from the partitions it still owns,
// so that the other replicas take them over now rather than after
// PinTimeout. An event still being handled here is not handed out again:
// MaxAckPending 1 holds the partition until it is settled. Checking the
// owner and unpinning are two steps; should the partition move in between,
// its new owner is unpinned too and simply pinned again.
func (r *Runner) releasePartitions(parts []*partition) {
	ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()
	var stream jetstream.Stream
	for _, p := range parts {
		p.mu.Lock()
		pin := p.pin
		p.mu.Unlock()
		if pin == "" {
			continue
		}
		info, err := p.cons.Info(ctx)
		if err != nil || !pinnedTo(info, pin) {
			continue
		}
		if stream == nil {
			if stream, err = r.js.Stream(ctx, events.EventsStream); err != nil {
				r.log.Warn("partitions not released; the others take them after the pin timeout", "error", err)
				return
			}
		}
		name := events.PartitionConsumerName(r.cfg.Name, p.n)
		if err := stream.UnpinConsumer(ctx, name, events.OwnerGroup); err != nil {
			r.log.Warn("partition not released; another replica takes it after the pin timeout", "partition", p.n, "error", err)
			continue
		}
		r.log.Info("partition released", "partition", p.n)
	}
}

func pinnedTo(info *jetstream.ConsumerInfo, pin string) bool {
	return slices.ContainsFunc(info.PriorityGroups, func(g jetstream.PriorityGroupState) bool {
		return g.Group == events.OwnerGroup && g.PinnedClientID == pin
	})
}
