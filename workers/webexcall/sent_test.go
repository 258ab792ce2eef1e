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

func TestAlreadySent(t *testing.T) {
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
	for _, req := range []*webex.MessageRequest{
		{RoomID: user.RoomID, Markdown: "the reply"},
		{RoomID: user.RoomID, ParentID: user.ID, Markdown: "in the thread"},
		{RoomID: group.RoomID, Markdown: "group reply"},
	} {
		if _, err := e.api.SendMessage(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		req   webex.MessageRequest
		bot   string
		since time.Time
		want  bool
	}{
		{name: "the same reply", req: webex.MessageRequest{RoomID: user.RoomID, Markdown: "the reply"}, bot: bot, want: true},
		{name: "the same reply since before it", req: webex.MessageRequest{RoomID: user.RoomID, Markdown: "the reply"}, bot: bot, since: sentAt.Add(-time.Second), want: true},
		{name: "an older message only", req: webex.MessageRequest{RoomID: user.RoomID, Markdown: "the reply"}, bot: bot, since: sentAt.Add(time.Minute)},
		{name: "other content", req: webex.MessageRequest{RoomID: user.RoomID, Markdown: "another reply"}, bot: bot},
		{name: "same content, other thread", req: webex.MessageRequest{RoomID: user.RoomID, ParentID: user.ID, Markdown: "the reply"}, bot: bot},
		{name: "in the thread", req: webex.MessageRequest{RoomID: user.RoomID, ParentID: user.ID, Markdown: "in the thread"}, bot: bot, want: true},
		{name: "someone else's message", req: webex.MessageRequest{RoomID: user.RoomID, Text: "hi"}, bot: bot},
		{name: "a group room cannot be listed", req: webex.MessageRequest{RoomID: group.RoomID, Markdown: "group reply"}, bot: bot},
		{name: "no room to look in", req: webex.MessageRequest{ToPersonEmail: "user@example.com", Markdown: "the reply"}, bot: bot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := webexcall.AlreadySent(ctx, e.api, tt.bot, &tt.req, tt.since)
			if err != nil || got != tt.want {
				t.Errorf("AlreadySent = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	t.Run("a list that may work later is an error", func(t *testing.T) {
		e.sim.InjectFault(emulator.Fault{Method: http.MethodGet, Path: "/messages", Status: 503, Times: 1})
		if _, err := webexcall.AlreadySent(ctx, e.api, bot, &webex.MessageRequest{RoomID: user.RoomID, Markdown: "x"}, time.Time{}); err == nil {
			t.Error("a 503 while listing read as not sent")
		}
	})
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
	if found, err := e.client.SentBefore(ctx, rec); err != nil || found {
		t.Fatalf("before the message exists: %v, %v", found, err)
	}
	if _, err := e.api.SendMessage(ctx, req); err != nil {
		t.Fatal(err)
	}
	if found, err := e.client.SentBefore(ctx, rec); err != nil || !found {
		t.Fatalf("after: %v, %v", found, err)
	}
	del := outbox.New("echo", http.MethodDelete, "/messages/x", nil, nil)
	if webexcall.CheckableCall(del) {
		t.Error("a DELETE cannot be looked for")
	}
}
