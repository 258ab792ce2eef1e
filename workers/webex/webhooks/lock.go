package webhooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// lease is the value of the lock key: who holds it and until when.
type lease struct {
	Holder  string    `json:"holder"`
	Expires time.Time `json:"expires"`
}

// lockKey is the lock of one name prefix: deployments with different
// prefixes manage different webhooks and need not wait for each other.
func lockKey(prefix string) string {
	sum := sha256.Sum256([]byte(prefix))
	return "lock." + hex.EncodeToString(sum[:8])
}

// lock takes the ensure lock, waiting up to LockWait, and returns the
// function that releases it. A lease whose holder let it expire is taken
// over with a compare-and-set on its revision, so exactly one waiter gets
// it.
func (m *Manager) lock(ctx context.Context) (func(), error) {
	key := lockKey(m.o.NamePrefix)
	deadline := time.Now().Add(m.o.LockWait)
	for {
		rev, err := m.tryLock(ctx, key)
		if err != nil {
			return nil, err
		}
		if rev != 0 {
			return func() { m.unlock(key, rev) }, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: %s held by another process for more than %s", ErrLockTimeout, key, m.o.LockWait)
		}
		// Poll with jitter so waiters do not retry in step.
		t := time.NewTimer(50*time.Millisecond + rand.N(100*time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// tryLock takes the lock if it is free or expired and returns its revision,
// or 0 when another holder has it.
func (m *Manager) tryLock(ctx context.Context, key string) (uint64, error) {
	val, err := json.Marshal(lease{Holder: m.holder, Expires: time.Now().Add(m.o.LockTTL).UTC()})
	if err != nil {
		return 0, err
	}
	rev, err := m.kv.Create(ctx, key, val)
	if err == nil {
		return rev, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return 0, fmt.Errorf("take lock %s: %w", key, err)
	}
	e, err := m.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, nil // released in between: try again
	}
	if err != nil {
		return 0, fmt.Errorf("read lock %s: %w", key, err)
	}
	var cur lease
	if json.Unmarshal(e.Value(), &cur) == nil && time.Now().Before(cur.Expires) {
		return 0, nil
	}
	rev, err = m.kv.Update(ctx, key, val, e.Revision())
	if conflict(err) {
		return 0, nil // another waiter took it over first
	}
	if err != nil {
		return 0, fmt.Errorf("take over lock %s: %w", key, err)
	}
	return rev, nil
}

// unlock releases the lock if it still holds revision rev; a lease that
// expired and was taken over is left to its new holder.
func (m *Manager) unlock(key string, rev uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.kv.Delete(ctx, key, jetstream.LastRevision(rev)); err != nil && !conflict(err) {
		m.o.Logger.Warn("releasing the webhook lock failed; it expires on its own", "key", key, "err", err)
	}
}

// conflict reports whether err means a key changed since it was read.
func conflict(err error) bool {
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch)
}
