package console

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/workers/admin/status"
)

// oldestUnacked returns when the oldest event a consumer has not finished
// with was stored: the first message after its ack floor that one of its
// filters takes (everything at or below the floor is done, and the first
// taken message above it is not). Zero when nothing waits.
func oldestUnacked(ctx context.Context, js jetstream.JetStream, c status.Consumer) (time.Time, error) {
	if c.Pending == 0 && c.AckPending == 0 {
		return time.Time{}, nil
	}
	cons, err := js.Consumer(ctx, c.Stream, c.Name)
	if err != nil {
		return time.Time{}, err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return time.Time{}, err
	}
	filters := info.Config.FilterSubjects
	if info.Config.FilterSubject != "" {
		filters = append(filters, info.Config.FilterSubject)
	}
	if len(filters) == 0 {
		filters = []string{">"}
	}
	s, err := js.Stream(ctx, c.Stream)
	if err != nil {
		return time.Time{}, err
	}
	var oldest time.Time
	for _, f := range filters {
		m, err := s.GetMsg(ctx, info.AckFloor.Stream+1, jetstream.WithGetMsgSubject(f))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("oldest event of %s: %w", c.Name, err)
		}
		if oldest.IsZero() || m.Time.Before(oldest) {
			oldest = m.Time
		}
	}
	return oldest, nil
}
