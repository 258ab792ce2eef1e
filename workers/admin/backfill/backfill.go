package backfill

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// publishTimeout bounds storing one backfilled event.
const publishTimeout = 10 * time.Second

// Run backfills the messages of o's window that the stream has never seen
// and returns what it did. It stops at the first error, with the summary
// so far; running it again is safe (see the package doc).
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
	for _, room := range rs {
		msgs, err := messages(ctx, api, room, o.Since)
		if err != nil {
			return sum, err
		}
		sum.Rooms++
		for _, m := range msgs {
			if m.PersonID == bot.ID {
				sum.Own++
				continue
			}
			sum.Messages++
			msg, err := newEvent(m, room.Type, bot, o.Partitions, o.Now())
			if err != nil {
				return sum, fmt.Errorf("message %s: %w", m.ID, err)
			}
			key := dedupKey(m.ID)
			it := Item{MessageID: m.ID, RoomID: m.RoomID, RoomType: room.Type, PersonEmail: m.PersonEmail, Created: m.Created,
				Seen: seen[key], Subject: msg.Subject}
			switch {
			case it.Seen:
				sum.Seen++
			case o.DryRun:
				sum.Missing++
			default:
				sum.Missing++
				pctx, cancel := context.WithTimeout(ctx, publishTimeout)
				ack, err := js.PublishMsg(pctx, msg, jetstream.WithMsgID(key), jetstream.WithExpectStream(events.EventsStream))
				cancel()
				if err != nil {
					return sum, fmt.Errorf("store the event of message %s: %w", m.ID, err)
				}
				it.Seq, it.Duplicate, it.Stored = ack.Sequence, ack.Duplicate, !ack.Duplicate
				if ack.Duplicate {
					sum.Duplicates++
				} else {
					sum.Stored++
				}
				seen[key] = true
			}
			if o.OnMessage != nil {
				o.OnMessage(it)
			}
		}
		if o.Progress != nil {
			o.Progress(sum, len(rs))
		}
	}
	return sum, nil
}
