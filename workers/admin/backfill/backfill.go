package backfill

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
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
	s, err := NewSession(ctx, js, api, SessionOptions{Since: o.Since, Bot: o.Bot, Partitions: o.Partitions, Shards: o.Shards, Margin: o.Margin, Now: o.Now})
	if err != nil {
		return sum, err
	}
	sum.StreamFrom, sum.Partial = s.StreamFrom, s.Partial
	rs, err := s.Rooms(ctx, o.Rooms, o.Since)
	if err != nil {
		return sum, err
	}
	for _, room := range rs {
		msgs, err := s.Messages(ctx, room, o.Since)
		if err != nil {
			return sum, err
		}
		sum.Rooms++
		for _, m := range msgs {
			if s.Own(m) {
				sum.Own++
				continue
			}
			sum.Messages++
			it, err := s.Store(ctx, room, m, o.DryRun)
			if err != nil {
				return sum, err
			}
			switch {
			case it.Seen:
				sum.Seen++
			case it.Duplicate:
				sum.Missing++
				sum.Duplicates++
			case it.Stored:
				sum.Missing++
				sum.Stored++
			default: // dry run
				sum.Missing++
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
