package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
)

func TestCallSubjectTokens(t *testing.T) {
	tests := []struct {
		name, subject, worker, bot, id string
		ok                             bool
	}{
		{"call", events.CallSubject("echo", "c0ffee"), "echo", events.DefaultBot, "c0ffee", true},
		{"bot's call", events.BotCallSubject("echo", "support", "c0ffee"), "echo", "support", "c0ffee", true},
		{"default bot spelled out", events.BotCallSubject("echo", events.DefaultBot, "c1"), "echo", events.DefaultBot, "c1", true},
		{"default bot as a token", events.CallsSubject("echo") + ".default.c1", "", "", "", false},
		{"not a bot id", events.CallsSubject("echo") + ".Bad.c1", "", "", "", false},
		{"no id", events.CallsSubject("echo"), "", "", "", false},
		{"empty token", events.CallsSubject("echo") + "..c1", "", "", "", false},
		{"too deep", events.BotCallSubject("echo", "support", "a") + ".b", "", "", "", false},
		{"event", events.EventSubject("messages", "created", 1), "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, bot, id, ok := events.CallSubjectTokens(tt.subject)
			if w != tt.worker || bot != tt.bot || id != tt.id || ok != tt.ok {
				t.Errorf("CallSubjectTokens(%q) = %q %q %q %v", tt.subject, w, bot, id, ok)
			}
		})
	}
}

// A newer record of a call replaces the older one: the calls stream keeps
// one message per call subject.
func TestCallsStreamKeepsTheLatestRecordOfACall(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, body := range []string{"attempt 1", "attempt 2"} {
		if _, err := js.Publish(ctx, events.CallSubject("echo", "c1"), []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := js.Publish(ctx, events.CallSubject("echo", "c2"), []byte("other call")); err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(ctx, events.CallsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Fatalf("%d messages, want 2 (the latest record of each call)", info.State.Msgs)
	}
	m, err := s.GetLastMsgForSubject(ctx, events.CallSubject("echo", "c1"))
	if err != nil || string(m.Data) != "attempt 2" {
		t.Fatalf("latest record of c1 = %q, %v", m.Data, err)
	}
}
