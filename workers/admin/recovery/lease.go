package recovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// lease is the value of events.RecoveryLockKey: who runs recoveries, and
// until when unless renewed.
type lease struct {
	Holder  string    `json:"holder"`
	Expires time.Time `json:"expires"`
}

// held is a lease this process holds at revision rev.
type held struct {
	s      store
	holder string
	ttl    time.Duration
	rev    uint64
}

// acquire takes the lease if it is free or expired; ok is false when
// another process holds it. It does not wait: the next round tries again.
func (s store) acquire(ctx context.Context, holder string, ttl time.Duration) (h *held, ok bool, err error) {
	h = &held{s: s, holder: holder, ttl: ttl}
	val, err := h.value()
	if err != nil {
		return nil, false, err
	}
	rev, err := s.kv.Create(ctx, events.RecoveryLockKey, val)
	if err == nil {
		h.rev = rev
		return h, true, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return nil, false, fmt.Errorf("take %s: %w", events.RecoveryLockKey, err)
	}
	e, err := s.kv.Get(ctx, events.RecoveryLockKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, false, nil // released in between: next round
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", events.RecoveryLockKey, err)
	}
	var cur lease
	if json.Unmarshal(e.Value(), &cur) == nil && time.Now().Before(cur.Expires) {
		return nil, false, nil
	}
	rev, err = s.kv.Update(ctx, events.RecoveryLockKey, val, e.Revision())
	if conflict(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("take over %s: %w", events.RecoveryLockKey, err)
	}
	h.rev = rev
	return h, true, nil
}

func (h *held) value() ([]byte, error) {
	return json.Marshal(lease{Holder: h.holder, Expires: time.Now().Add(h.ttl).UTC()})
}

// renew extends the lease; ErrLeaseLost when another process took it over.
func (h *held) renew(ctx context.Context) error {
	val, err := h.value()
	if err != nil {
		return err
	}
	rev, err := h.s.kv.Update(ctx, events.RecoveryLockKey, val, h.rev)
	if conflict(err) || errors.Is(err, jetstream.ErrKeyNotFound) {
		return ErrLeaseLost
	}
	if err != nil {
		return fmt.Errorf("renew %s: %w", events.RecoveryLockKey, err)
	}
	h.rev = rev
	return nil
}

// release gives the lease up if it is still this process's.
func (h *held) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = h.s.kv.Delete(ctx, events.RecoveryLockKey, jetstream.LastRevision(h.rev))
}
