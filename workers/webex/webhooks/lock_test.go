package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
)

// noAPI is never called by the lock.
type noAPI struct{ WebexAPI }

func TestLockLease(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	kv, err := js.KeyValue(ctx, events.WebhooksBucket)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		held    *leaseValue // a lease of another process, or none
		wantErr error
	}{
		{name: "free"},
		{name: "held", held: &leaseValue{Holder: "other", Expires: time.Now().Add(time.Minute)}, wantErr: ErrLockTimeout},
		{name: "expired holder", held: &leaseValue{Holder: "crashed", Expires: time.Now().Add(-time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(noAPI{}, kv, Options{NamePrefix: "lock-" + tt.name, LockWait: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			key := lockKey(m.o.NamePrefix, m.o.Bot)
			if tt.held != nil {
				b, _ := json.Marshal(tt.held)
				if _, err := kv.Put(ctx, key, b); err != nil {
					t.Fatal(err)
				}
			}
			unlock, err := m.lock(ctx)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("lock = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			e, err := kv.Get(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			var l leaseValue
			if json.Unmarshal(e.Value(), &l) != nil || l.Holder != m.holder {
				t.Errorf("lock value %s, want held by %s", e.Value(), m.holder)
			}
			unlock()
			if _, err := kv.Get(ctx, key); err == nil {
				t.Error("the lock is still held after unlock")
			}
		})
	}
}

func TestWait(t *testing.T) {
	m := &Manager{o: Options{}.withDefaults()}
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		rec  record
		want time.Duration
	}{
		{name: "first disable", want: 5 * time.Minute},
		{name: "again soon", rec: record{Reactivations: 1, LastReactivated: now.Add(-10 * time.Minute)}, want: 10 * time.Minute},
		{name: "third time", rec: record{Reactivations: 2, LastReactivated: now.Add(-10 * time.Minute)}, want: 20 * time.Minute},
		{name: "capped", rec: record{Reactivations: 50, LastReactivated: now.Add(-10 * time.Minute)}, want: time.Hour},
		{name: "quiet for an hour", rec: record{Reactivations: 3, LastReactivated: now.Add(-time.Hour)}, want: 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := m.wait(tt.rec, now); got != tt.want {
				t.Errorf("wait = %s, want %s", got, tt.want)
			}
		})
	}
}

// leaseValue is what a lock key holds (see internal/kvlease).
type leaseValue struct {
	Holder  string    `json:"holder"`
	Expires time.Time `json:"expires"`
}

// Each bot's lock and heartbeat are its own, and the bot default keeps
// the keys of a single-bot deployment: one bot's watchdog neither waits
// for another's lock nor stands in for its absence.
func TestBotsHaveTheirOwnLockAndHeartbeat(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	kv, err := js.KeyValue(ctx, events.WebhooksBucket)
	if err != nil {
		t.Fatal(err)
	}
	if lockKey("p", "") != lockKey("p", events.DefaultBot) || heartbeatKey("p", events.DefaultBot) != heartbeatKey("p", "") {
		t.Error("the bot default's keys differ from a single-bot deployment's")
	}
	if lockKey("p", "alpha") == lockKey("p", "beta") || heartbeatKey("p", "alpha") == heartbeatKey("p", "") {
		t.Error("two bots share a key")
	}
	manager := func(bot string) *Manager {
		m, err := New(noAPI{}, kv, Options{NamePrefix: "bots", Bot: bot, LockWait: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	alpha, beta := manager("alpha"), manager("beta")
	unlock, err := alpha.lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	unlockBeta, err := beta.lock(ctx)
	if err != nil {
		t.Fatalf("beta waited for alpha's lock: %v", err)
	}
	unlockBeta()
	at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	if err := alpha.watched(ctx, at); err != nil {
		t.Fatal(err)
	}
	if got, err := beta.lastWatched(ctx); err != nil || !got.IsZero() {
		t.Errorf("beta's last watch %v (%v), want none: alpha's watchdog is not beta's", got, err)
	}
	if got, err := alpha.lastWatched(ctx); err != nil || !got.Equal(at) {
		t.Errorf("alpha's last watch %v (%v), want %v", got, err, at)
	}
}
