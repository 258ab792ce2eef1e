package replay

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// acked tells from a worker's consumers for the event's bot whether they settled an event:
// an event at or below a consumer's ack floor, stored after the consumer's
// start, was acknowledged or terminated by that worker type. That outlives
// the idempotency markers, which live only PROCESSED_TTL: a replay of an
// older event would otherwise find no marker and be handled again.
//
// Sequences are per stream, so the floor that speaks for an event is that
// of the worker's consumer on the stream the event is stored in: with
// shards, the worker has a consumer on each (or, ordered, the partition's
// consumer on the partition's shard).
//
// The floors are read once per run. An event settled later is not seen as
// settled here; its marker, young enough, still makes the worker skip it.
type acked struct {
	js     jetstream.JetStream
	worker string
	floors map[string]*floor // by stream and consumer name; nil: no such consumer
}

// floor is one consumer's ack floor and where it began.
type floor struct {
	ackSeq   uint64    // every event up to here is settled
	fromSeq  uint64    // the first sequence it took; 0: unknown, see since
	since    time.Time // the first store time it took, when fromSeq is 0
	anything bool      // it takes every stored event (DeliverAll)
}

func newAcked(js jetstream.JetStream, worker string) *acked {
	return &acked{js: js, worker: worker, floors: map[string]*floor{}}
}

// settled reports whether the worker's shared consumer, or its ordered
// consumer of the event's partition, on stream settled the event at seq
// there, stored at stored on subject.
func (a *acked) settled(ctx context.Context, stream, subject string, seq uint64, stored time.Time) bool {
	ad, ok := events.ParseSubject(subject)
	if !ok {
		return false
	}
	names := []string{events.BotConsumerName(a.worker, ad.Bot), events.BotPartitionConsumerName(a.worker, ad.Bot, ad.Partition)}
	for _, name := range names {
		if f := a.floorOf(ctx, stream, name); f != nil && f.covers(seq, stored) {
			return true
		}
	}
	return false
}

func (f *floor) covers(seq uint64, stored time.Time) bool {
	if seq > f.ackSeq {
		return false
	}
	switch {
	case f.anything:
		return true
	case f.fromSeq > 0:
		return seq >= f.fromSeq
	}
	return !stored.Before(f.since)
}

func (a *acked) floorOf(ctx context.Context, stream, name string) *floor {
	key := stream + "/" + name
	if f, ok := a.floors[key]; ok {
		return f
	}
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	var f *floor
	cons, err := a.js.Consumer(ctx, stream, name)
	if err == nil {
		f = floorFrom(cons.CachedInfo())
	}
	if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		// Unknown: say not settled, and let the marker decide.
		return nil
	}
	a.floors[key] = f
	return f
}

func floorFrom(info *jetstream.ConsumerInfo) *floor {
	f := &floor{ackSeq: info.AckFloor.Stream}
	c := info.Config
	switch c.DeliverPolicy {
	case jetstream.DeliverAllPolicy:
		f.anything = true
	case jetstream.DeliverByStartSequencePolicy:
		f.fromSeq = c.OptStartSeq
	case jetstream.DeliverByStartTimePolicy:
		if c.OptStartTime != nil {
			f.since = *c.OptStartTime
		} else {
			f.since = info.Created
		}
	default:
		// New, last, last per subject: what was stored before it existed
		// never reached it.
		f.since = info.Created
	}
	return f
}
