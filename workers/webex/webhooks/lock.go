package webhooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/kvlease"
)

// lockKey is the lock of one name prefix and bot: deployments with
// different prefixes, and different bots (tokens), manage different
// webhooks and need not wait for each other.
func lockKey(prefix, bot string) string {
	return "lock." + scopeHash(prefix, bot)
}

// scopeHash names the webhooks of one name prefix and bot in a key: the
// hash of the prefix alone for the default bot (the keys of a single-bot
// deployment stay as they were), of the prefix and the bot for another.
func scopeHash(prefix, bot string) string {
	scope := prefix
	if bot != "" && bot != events.DefaultBot {
		scope += "\x00" + bot
	}
	sum := sha256.Sum256([]byte(scope))
	return hex.EncodeToString(sum[:8])
}

// lock takes the ensure lock, waiting up to LockWait, and returns the
// function that releases it. A lease whose holder let it expire is taken
// over with a compare-and-set on its revision, so exactly one waiter gets
// it.
func (m *Manager) lock(ctx context.Context) (func(), error) {
	key := lockKey(m.o.NamePrefix, m.o.Bot)
	deadline := time.Now().Add(m.o.LockWait)
	for {
		l, ok, err := kvlease.TryTake(ctx, m.kv, key, m.holder, m.o.LockTTL)
		if err != nil {
			return nil, err
		}
		if ok {
			return func() {
				if err := l.Release(); err != nil {
					m.o.Logger.Warn("releasing the webhook lock failed; it expires on its own", "key", key, "err", err)
				}
			}, nil
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

// conflict reports whether err means a key changed since it was read.
func conflict(err error) bool { return kvlease.Conflict(err) }
