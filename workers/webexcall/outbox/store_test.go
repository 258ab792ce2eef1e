package outbox_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

func TestStorePutAndPending(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store := outbox.NewStore(js)
	c := outbox.New("echo", "POST", "/messages", json.RawMessage(`{"roomId":"r"}`), &outbox.EventRef{DedupKey: "messages:created:m1"})

	if ok, err := store.Pending(ctx, "echo", c.ID); err != nil || ok {
		t.Fatalf("Pending before Put = %v, %v", ok, err)
	}
	c.Record(outbox.Attempt{At: time.Now(), Outcome: outbox.OutcomeRetryable, Status: 503})
	if dup, err := store.Put(ctx, c); err != nil || dup {
		t.Fatalf("Put = %v, %v", dup, err)
	}
	// The same state again, as when an event is handled twice: kept once.
	if dup, err := store.Put(ctx, c); err != nil || !dup {
		t.Fatalf("second Put = %v, %v; want a duplicate", dup, err)
	}
	c.Scheduled = true
	if dup, err := store.Put(ctx, c); err != nil || dup {
		t.Fatalf("Put of a new state = %v, %v", dup, err)
	}
	if ok, err := store.Pending(ctx, "echo", c.ID); err != nil || !ok {
		t.Fatalf("Pending after Put = %v, %v", ok, err)
	}
	s, err := js.Stream(ctx, events.CallsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Fatalf("%d records of one call, want 1", info.State.Msgs)
	}
	m, err := s.GetLastMsgForSubject(ctx, c.Subject())
	if err != nil {
		t.Fatal(err)
	}
	got, err := outbox.Decode(m.Data)
	if err != nil || !got.Scheduled || m.Header.Get(events.HeaderCallID) != c.ID {
		t.Errorf("stored record %+v (%v), call id header %q", got, err, m.Header.Get(events.HeaderCallID))
	}

	bad := outbox.New("a.b", "POST", "/messages", nil, nil)
	if _, err := store.Put(ctx, bad); err == nil {
		t.Error("a worker name that is not a subject token was accepted")
	}
}

// TestStoreKeepsABotsCallsApart: a call of bot alpha is stored under
// alpha's calls subject with its header, is pending as alpha's only, and
// decodes with its bot.
func TestStoreKeepsABotsCallsApart(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store := outbox.NewStore(js)
	c := outbox.New("echo", "POST", "/messages", json.RawMessage(`{"roomId":"r"}`), &outbox.EventRef{DedupKey: "alpha/messages:created:m1"})
	c.ForBot("alpha")
	if got, want := c.Subject(), events.BotCallSubject("echo", "alpha", c.ID); got != want {
		t.Fatalf("subject %s, want %s", got, want)
	}
	c.Record(outbox.Attempt{At: time.Now(), Outcome: outbox.OutcomeRetryable, Status: 503})
	if _, err := store.Put(ctx, c); err != nil {
		t.Fatal(err)
	}
	if ok, err := store.PendingCall(ctx, c); err != nil || !ok {
		t.Fatalf("PendingCall = %v, %v", ok, err)
	}
	if ok, err := store.Pending(ctx, "echo", c.ID); err != nil || ok {
		t.Fatalf("Pending as the default bot's = %v, %v; want not pending", ok, err)
	}
	s, err := js.Stream(ctx, events.CallsStream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetLastMsgForSubject(ctx, c.Subject())
	if err != nil {
		t.Fatal(err)
	}
	if bot := events.BotOf(m.Header); bot != "alpha" {
		t.Errorf("stored call's bot header %q, want alpha", bot)
	}
	back, err := outbox.Decode(m.Data)
	if err != nil || back.Bot != "alpha" || back.Subject() != c.Subject() {
		t.Errorf("decoded %+v, %v: want bot alpha", back, err)
	}
	// The default bot's record has no bot field: records written before
	// bots read the same.
	d := outbox.New("echo", "POST", "/messages", nil, nil)
	d.ForBot(events.DefaultBot)
	if d.Bot != "" || d.Subject() != events.CallSubject("echo", d.ID) {
		t.Errorf("default bot's call: bot %q, subject %s", d.Bot, d.Subject())
	}
}
