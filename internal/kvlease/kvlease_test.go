package kvlease_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/kvlease"
)

// TestLease: one holder at a time; an expired lease is taken over, and its
// old holder can then neither renew nor release it.
func TestLease(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "lease_test"})
	if err != nil {
		t.Fatal(err)
	}
	a, ok, err := kvlease.TryTake(ctx, kv, "k", "a", 100*time.Millisecond)
	if err != nil || !ok {
		t.Fatalf("first take = %v, %v", ok, err)
	}
	if _, ok, err := kvlease.TryTake(ctx, kv, "k", "b", time.Minute); err != nil || ok {
		t.Fatalf("take of a held lease = %v, %v; want refused", ok, err)
	}
	if err := a.Renew(ctx); err != nil {
		t.Fatalf("renew: %v", err)
	}
	var b *kvlease.Lease
	deadline := time.Now().Add(10 * time.Second)
	for b == nil {
		if time.Now().After(deadline) {
			t.Fatal("the expired lease was never taken over")
		}
		if b, _, err = kvlease.TryTake(ctx, kv, "k", "b", time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Renew(ctx); !errors.Is(err, kvlease.ErrLost) {
		t.Errorf("renew after a take-over = %v, want ErrLost", err)
	}
	if err := a.Release(); err != nil {
		t.Errorf("release of a lost lease = %v, want nil (left to its holder)", err)
	}
	if _, err := kv.Get(ctx, "k"); err != nil {
		t.Errorf("the old holder's release removed the new holder's lease: %v", err)
	}
	if err := b.Release(); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := kvlease.TryTake(ctx, kv, "k", "c", time.Minute); err != nil || !ok {
		t.Errorf("take after release = %v, %v", ok, err)
	}
}
