package backfill

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/scan"
)

// seenKeys reads the dedup keys of bot's messages/created events stored since
// from in streams (every events shard: an event stored before the shard
// count changed may be in another shard than its partition's now),
// headers only. It also says when the oldest stored event is from and
// whether events older than from may have expired (partial). With a
// consumer name it reads each stream through a pull consumer of that name
// (namedScan), otherwise through an ordered consumer (scan.Each).
func seenKeys(ctx context.Context, js jetstream.JetStream, streams []string, bot string, from time.Time, consumer string) (keys map[string]bool, oldest time.Time, partial bool, err error) {
	keys = map[string]bool{}
	for _, stream := range streams {
		first, part, err := seenIn(ctx, js, stream, bot, from, consumer, keys)
		if err != nil {
			return nil, oldest, partial, err
		}
		if !first.IsZero() && (oldest.IsZero() || first.Before(oldest)) {
			oldest = first
		}
		partial = partial || part
	}
	return keys, oldest, partial, nil
}

// seenIn adds the dedup keys of one stream's message events to keys.
func seenIn(ctx context.Context, js jetstream.JetStream, stream, bot string, from time.Time, consumer string, keys map[string]bool) (oldest time.Time, partial bool, err error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("open %s: %w", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%s info: %w", stream, err)
	}
	oldest = info.State.FirstTime
	partial = info.State.FirstSeq > 1 && from.Before(oldest)

	add := func(h map[string][]string) {
		if k := events.StoredMsgID(h); k != "" {
			keys[k] = true
		}
	}
	filter := events.BotEventFilter(bot, "messages", "created")
	if consumer != "" {
		err = namedScan(ctx, s, consumer, filter, from, info.State.LastSeq, add)
	} else {
		err = scan.Each(ctx, js, scan.Range{Stream: stream, Filters: []string{filter}, Since: from, HeadersOnly: true}, nil,
			func(m *scan.Msg) error {
				add(m.Header)
				return nil
			})
	}
	if err != nil {
		return oldest, partial, fmt.Errorf("read the stored message events of %s: %w", stream, err)
	}
	return oldest, partial, nil
}

// namedScanBatch is how many headers one fetch of namedScan asks for.
const namedScanBatch = 500

// namedScan reads the headers of the events on filter stored since from, up
// to the stream's last sequence when it began (last), with a pull consumer
// named name: created for the scan and deleted after it (the server also
// removes it after a short inactivity, should the delete not arrive).
// A consumer of that name left by an earlier scan is replaced. Without
// acks a lost message is possible; the dedup key of an event stored again
// because of it is still caught by the workers' idempotency markers.
func namedScan(ctx context.Context, s jetstream.Stream, name, filter string, from time.Time, last uint64, fn func(map[string][]string)) error {
	if last == 0 {
		return nil
	}
	start := from
	cfg := jetstream.ConsumerConfig{
		Name: name, FilterSubject: filter, AckPolicy: jetstream.AckNonePolicy, HeadersOnly: true,
		DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &start,
		InactiveThreshold: 30 * time.Second, MemoryStorage: true, Replicas: 1,
	}
	if err := s.DeleteConsumer(ctx, name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("remove the earlier scan consumer %s: %w", name, err)
	}
	cons, err := s.CreateConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("scan consumer %s: %w", name, err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = s.DeleteConsumer(dctx, name)
	}()
	if ci := cons.CachedInfo(); ci != nil && ci.NumPending == 0 {
		return nil
	}
	for empty := 0; ; {
		batch, err := cons.Fetch(namedScanBatch, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return fmt.Errorf("scan consumer %s: %w", name, err)
		}
		n := 0
		done := false
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				return fmt.Errorf("scan consumer %s: message metadata: %w", name, err)
			}
			if md.Sequence.Stream > last {
				done = true
				continue
			}
			fn(m.Headers())
			if md.Sequence.Stream == last || md.NumPending == 0 {
				done = true
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("scan consumer %s: %w", name, err)
		}
		if done {
			return nil
		}
		if n > 0 {
			empty = 0
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Nothing came although messages were pending: ask the server
		// where the consumer stands, and give up rather than wait forever.
		ci, err := cons.Info(ctx)
		if err != nil {
			return fmt.Errorf("scan consumer %s: %w", name, err)
		}
		if ci.NumPending == 0 {
			return nil
		}
		if empty++; empty == 5 {
			return fmt.Errorf("scan consumer %s: %d events pending and none arrived", name, ci.NumPending)
		}
	}
}
