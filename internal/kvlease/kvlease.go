// Package kvlease is a lease on one key of a JetStream KV bucket: the value
// names the holder and when the lease expires unless renewed. It is taken
// with Create, or over an expired lease with a compare-and-set on its
// revision, so exactly one of several contenders gets it; renewing and
// releasing also compare the revision, so a lease that expired and was
// taken over is left to its new holder.
package kvlease

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrLost means the lease expired and another holder took it over.
var ErrLost = errors.New("lease lost")

// value is what the key holds.
type value struct {
	Holder  string    `json:"holder"`
	Expires time.Time `json:"expires"`
}

// Lease is a lease this process holds.
type Lease struct {
	kv     jetstream.KeyValue
	key    string
	holder string
	ttl    time.Duration
	rev    uint64
}

// TryTake takes the lease on key for holder, for ttl, if it is free or
// expired; ok is false when another holder has it. It does not wait.
func TryTake(ctx context.Context, kv jetstream.KeyValue, key, holder string, ttl time.Duration) (l *Lease, ok bool, err error) {
	l = &Lease{kv: kv, key: key, holder: holder, ttl: ttl}
	val, err := l.value()
	if err != nil {
		return nil, false, err
	}
	rev, err := kv.Create(ctx, key, val)
	if err == nil {
		l.rev = rev
		return l, true, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return nil, false, fmt.Errorf("take lease %s: %w", key, err)
	}
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, false, nil // released in between: try again later
	}
	if err != nil {
		return nil, false, fmt.Errorf("read lease %s: %w", key, err)
	}
	var cur value
	if json.Unmarshal(e.Value(), &cur) == nil && time.Now().Before(cur.Expires) {
		return nil, false, nil
	}
	rev, err = kv.Update(ctx, key, val, e.Revision())
	if Conflict(err) {
		return nil, false, nil // another contender took it over first
	}
	if err != nil {
		return nil, false, fmt.Errorf("take over lease %s: %w", key, err)
	}
	l.rev = rev
	return l, true, nil
}

func (l *Lease) value() ([]byte, error) {
	return json.Marshal(value{Holder: l.holder, Expires: time.Now().Add(l.ttl).UTC()})
}

// Renew extends the lease by its ttl from now; ErrLost when another holder
// took it over.
func (l *Lease) Renew(ctx context.Context) error {
	val, err := l.value()
	if err != nil {
		return err
	}
	rev, err := l.kv.Update(ctx, l.key, val, l.rev)
	if Conflict(err) || errors.Is(err, jetstream.ErrKeyNotFound) {
		return ErrLost
	}
	if err != nil {
		return fmt.Errorf("renew lease %s: %w", l.key, err)
	}
	l.rev = rev
	return nil
}

// Release gives the lease up if it is still this holder's, within 5
// seconds. A lease taken over meanwhile is not an error; any other failure
// is returned, and the lease then expires on its own.
func (l *Lease) Release() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.kv.Delete(ctx, l.key, jetstream.LastRevision(l.rev)); err != nil && !Conflict(err) {
		return fmt.Errorf("release lease %s: %w", l.key, err)
	}
	return nil
}

// Conflict reports whether err means a key changed since it was read (a
// compare-and-set lost).
func Conflict(err error) bool {
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch)
}
