package webexcall_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

func TestLookForSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 5*time.Second, 0)
	ctx := testCtx(t)
	user, err := e.sim.PostAsUser(emulator.UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	group, err := e.sim.PostAsUser(emulator.UserMessage{RoomID: "team-room", RoomType: "group", Text: "hi bot", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	bot := e.sim.Bot().ID
	sentAt := time.Now()
	var groupReply string
	for _, req := range []*webex.MessageRequest{
		{RoomID: user.RoomID, Markdown: "the reply"},
		{RoomID: user.RoomID, ParentID: user.ID, Markdown: "in the thread"},
		{RoomID: group.RoomID, Markdown: "group reply"},
	} {
		m, err := e.api.SendMessage(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		groupReply = m.ID // the last one
	}
	// The stored webhook of the bot's group reply, as ingest would have it.
	seen := fakeWitness{group.RoomID: {"gone", groupReply}}
	tests := []struct {
		name    string
		req     webex.MessageRequest
		since   time.Time
		witness webexcall.Witness
		want    webexcall.Evidence
	}{
		{name: "the same reply", req: webex.MessageRequest{RoomID: user.RoomID, Markdown: "the reply"}, want: webexcall.Sent},
		{name: "the same reply since before it", req: webex.MessageRequest{RoomID: user.RoomID, Markdown: "the reply"}, since: sentAt.Add(-time.Second), want: webexcall.Sent},
		{name: "an older message only", req: webex.MessageRequest{RoomID: user.RoomID, Markdown: "the reply"}, since: sentAt.Add(time.Minute), want: webexcall.NotSent},
		{name: "other content", req: webex.MessageRequest{RoomID: user.RoomID, Markdown: "another reply"}, want: webexcall.NotSent},
		{name: "same content, other thread", req: webex.MessageRequest{RoomID: user.RoomID, ParentID: user.ID, Markdown: "the reply"}, want: webexcall.NotSent},
		{name: "in the thread", req: webex.MessageRequest{RoomID: user.RoomID, ParentID: user.ID, Markdown: "in the thread"}, want: webexcall.Sent},
		{name: "someone else's message", req: webex.MessageRequest{RoomID: user.RoomID, Text: "hi"}, want: webexcall.NotSent},
		{name: "a group room cannot be listed", req: webex.MessageRequest{RoomID: group.RoomID, Markdown: "group reply"}, want: webexcall.Unverified},
		{name: "a group room, the bot's stored message", req: webex.MessageRequest{RoomID: group.RoomID, Markdown: "group reply"}, witness: seen, want: webexcall.Sent},
		{name: "a group room, other content", req: webex.MessageRequest{RoomID: group.RoomID, Markdown: "other"}, witness: seen, want: webexcall.Unverified},
		{name: "a group room, nothing stored", req: webex.MessageRequest{RoomID: group.RoomID, Markdown: "group reply"}, witness: fakeWitness{}, want: webexcall.Unverified},
		{name: "no room to look in", req: webex.MessageRequest{ToPersonEmail: "user@example.com", Markdown: "the reply"}, want: webexcall.Unverified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := webexcall.LookForSent(ctx, e.api, tt.witness, bot, &tt.req, tt.since)
			if err != nil || got != tt.want {
				t.Errorf("LookForSent = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	t.Run("a list that may work later is an error", func(t *testing.T) {
		e.sim.InjectFault(emulator.Fault{Method: http.MethodGet, Path: "/messages", Status: 503, Times: 1})
		if _, err := webexcall.LookForSent(ctx, e.api, nil, bot, &webex.MessageRequest{RoomID: user.RoomID, Markdown: "x"}, time.Time{}); err == nil {
			t.Error("a 503 while listing read as not sent")
		}
	})
}

// fakeWitness holds, per room, the ids of the bot's stored messages.
type fakeWitness map[string][]string

func (f fakeWitness) BotMessages(_ context.Context, _, roomID string, _ time.Time) ([]string, error) {
	return f[roomID], nil
}

func TestSentBefore(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 5*time.Second, 0)
	ctx := context.WithoutCancel(testCtx(t))
	user, err := e.sim.PostAsUser(emulator.UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	first := time.Now()
	req := &webex.MessageRequest{RoomID: user.RoomID, Markdown: "reply"}
	rec := outbox.New("echo", http.MethodPost, "/messages", mustJSON(t, req), nil)
	rec.Record(outbox.Attempt{At: first, Outcome: outbox.OutcomeUnknown})
	if found, err := e.client.SentBefore(ctx, rec); err != nil || found != webexcall.NotSent {
		t.Fatalf("before the message exists: %v, %v", found, err)
	}
	if _, err := e.api.SendMessage(ctx, req); err != nil {
		t.Fatal(err)
	}
	if found, err := e.client.SentBefore(ctx, rec); err != nil || found != webexcall.Sent {
		t.Fatalf("after: %v, %v", found, err)
	}
	del := outbox.New("echo", http.MethodDelete, "/messages/x", nil, nil)
	if webexcall.CheckableCall(del) {
		t.Error("a DELETE cannot be looked for")
	}
}

// TestLookForSentReadsBackToSince: a reply buried under more newer messages
// than one page holds is still found, by reading the room back to the time
// it could have been posted; and one that cannot be reached within the
// look-back proves nothing (Unverified), rather than "not sent".
func TestLookForSentReadsBackToSince(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 5*time.Second, 0)
	ctx := testCtx(t)
	first, err := e.sim.PostAsUser(emulator.UserMessage{Text: "question"})
	if err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-time.Minute)
	req := &webex.MessageRequest{RoomID: first.RoomID, Markdown: "the buried reply"}
	if _, err := e.api.SendMessage(ctx, req); err != nil {
		t.Fatal(err)
	}
	for i := range 120 {
		if _, err := e.sim.PostAsUser(emulator.UserMessage{Text: "later " + string(rune('a'+i%26))}); err != nil {
			t.Fatal(err)
		}
	}
	found, err := webexcall.LookForSent(ctx, e.api, nil, e.sim.Bot().ID, req, since)
	if err != nil || found != webexcall.Sent {
		t.Errorf("LookForSent = %v, %v; want sent (the reply is 121 messages back)", found, err)
	}
	other := &webex.MessageRequest{RoomID: first.RoomID, Markdown: "never sent"}
	if found, err := webexcall.LookForSent(ctx, e.api, nil, e.sim.Bot().ID, other, since); err != nil || found != webexcall.NotSent {
		t.Errorf("LookForSent of a reply never sent = %v, %v; want not sent (the room was read back to since)", found, err)
	}
}
