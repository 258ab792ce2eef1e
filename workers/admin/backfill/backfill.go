package backfill

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/pipelined"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// publishTimeout bounds the wait for the acknowledgement of one
// backfilled event.
const publishTimeout = 10 * time.Second

// storeInFlight is how many backfilled events may wait for their
// acknowledgement at a time.
const storeInFlight = 128

// Run backfills the messages of o's window that the stream has never seen
// and returns what it did. Events are stored pipelined, and the summary and
// OnMessage follow their acknowledgements, in message order. It stops at
// the first error: the summary then counts as stored exactly the events
// JetStream acknowledged (events sent before the failure was known may be
// among them). Running it again is safe (see the package doc).
func Run(ctx context.Context, js jetstream.JetStream, api WebexAPI, o Options) (Summary, error) {
	if err := o.Validate(); err != nil {
		return Summary{}, err
	}
	o = o.withDefaults()
	sum := Summary{Since: o.Since, DryRun: o.DryRun}
	seen, oldest, partial, err := seenKeys(ctx, js, o.Since.Add(-o.Margin))
	if err != nil {
		return sum, err
	}
	sum.StreamFrom, sum.Partial = oldest, partial
	bot, err := api.Me(ctx)
	if err != nil {
		return sum, fmt.Errorf("who am I: %w", err)
	}
	rs, err := rooms(ctx, api, o.Rooms, o.Since)
	if err != nil {
		return sum, err
	}
	r := &run{o: o, sum: &sum, seen: seen, bot: bot, pipe: pipelined.New(js, pipelined.Options{
		MaxInFlight: storeInFlight,
		AckTimeout:  publishTimeout,
		PublishOpts: []jetstream.PublishOpt{jetstream.WithExpectStream(events.EventsStream)},
	})}
	err = r.storeRooms(ctx, api, rs)
	// The acknowledgements of what was sent are awaited even when ctx
	// ended, each for at most publishTimeout, so the summary is exact.
	r.pipe.Wait(context.WithoutCancel(ctx))
	if r.failed != nil {
		return sum, r.failed
	}
	return sum, err
}

// run is one backfill's state; one goroutine uses it.
type run struct {
	o      Options
	sum    *Summary
	seen   map[string]bool
	bot    *webex.Person
	pipe   *pipelined.Publisher
	failed error // the first event JetStream did not acknowledge
}

// storeRooms lists the messages of each room and stores the missing ones.
func (r *run) storeRooms(ctx context.Context, api WebexAPI, rs []webex.Room) error {
	for _, room := range rs {
		msgs, err := messages(ctx, api, room, r.o.Since)
		if err != nil {
			return err
		}
		r.sum.Rooms++
		for _, m := range msgs {
			if err := r.message(ctx, room, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// message counts m and stores its event when the stream has never seen
// it. OnMessage gets m's item once the event's acknowledgement is in.
func (r *run) message(ctx context.Context, room webex.Room, m webex.Message) error {
	if m.PersonID == r.bot.ID {
		r.sum.Own++
		return nil
	}
	r.sum.Messages++
	msg, err := newEvent(m, room.Type, r.bot, r.o.Partitions, r.o.Now())
	if err != nil {
		return fmt.Errorf("message %s: %w", m.ID, err)
	}
	key := dedupKey(m.ID)
	it := Item{MessageID: m.ID, RoomID: m.RoomID, RoomType: room.Type, PersonEmail: m.PersonEmail, Created: m.Created,
		Seen: r.seen[key], Subject: msg.Subject}
	switch {
	case it.Seen:
		r.sum.Seen++
		r.pipe.Then(func() { r.report(it) })
		return nil
	case r.o.DryRun:
		r.sum.Missing++
		r.pipe.Then(func() { r.report(it) })
		return nil
	}
	r.sum.Missing++
	if err := ctx.Err(); err != nil {
		return err
	}
	r.seen[key] = true
	// Waiting for room in the pipeline is bounded by publishTimeout; an
	// ended ctx stops the run above, not an acknowledgement on its way.
	return r.pipe.Publish(context.WithoutCancel(ctx), msg, func(res pipelined.Result) {
		if res.Err != nil {
			if r.failed == nil {
				r.failed = fmt.Errorf("store the event of message %s: %w", m.ID, res.Err)
			}
			return
		}
		it.Seq, it.Duplicate, it.Stored = res.Ack.Sequence, res.Ack.Duplicate, !res.Ack.Duplicate
		if res.Ack.Duplicate {
			r.sum.Duplicates++
		} else {
			r.sum.Stored++
		}
		r.report(it)
	}, jetstream.WithMsgID(key))
}

func (r *run) report(it Item) {
	if r.o.OnMessage != nil {
		r.o.OnMessage(it)
	}
}
