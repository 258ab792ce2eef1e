package backfill

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/scan"
)

// seenKeys reads the dedup keys of the messages/created events stored since
// from, headers only. It also says when the oldest stored event is from and
// whether events older than from may have expired (partial).
func seenKeys(ctx context.Context, js jetstream.JetStream, from time.Time) (keys map[string]bool, oldest time.Time, partial bool, err error) {
	s, err := js.Stream(ctx, events.EventsStream)
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("open %s: %w", events.EventsStream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("%s info: %w", events.EventsStream, err)
	}
	oldest = info.State.FirstTime
	partial = info.State.FirstSeq > 1 && from.Before(oldest)

	keys = map[string]bool{}
	err = scan.Each(ctx, js, scan.Range{Filters: []string{events.EventFilter("messages", "created")}, Since: from, HeadersOnly: true}, nil,
		func(m *scan.Msg) error {
			if k := events.StoredDedupKey(m.Header, nil, nil); k != "" {
				keys[k] = true
			}
			return nil
		})
	if err != nil {
		return nil, oldest, partial, fmt.Errorf("read the stored message events: %w", err)
	}
	return keys, oldest, partial, nil
}
