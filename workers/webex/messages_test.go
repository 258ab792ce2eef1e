package webex_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

func TestInvalidRequestsAreNotSent(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	ctx := testContext(t)
	card := webex.Attachment{ContentType: webex.AdaptiveCardContentType, Content: json.RawMessage(`{}`)}
	long := strings.Repeat("a", webex.MaxTextBytes+1)

	tests := []struct {
		name string
		call func() error
	}{
		{"nil message", func() error { _, err := c.SendMessage(ctx, nil); return err }},
		{"no destination", func() error { _, err := c.SendMessage(ctx, &webex.MessageRequest{Text: "x"}); return err }},
		{"no content", func() error { _, err := c.SendMessage(ctx, &webex.MessageRequest{RoomID: "r"}); return err }},
		{"text too long", func() error { _, err := c.SendMessage(ctx, &webex.MessageRequest{RoomID: "r", Text: long}); return err }},
		{"markdown too long", func() error {
			_, err := c.SendMessage(ctx, &webex.MessageRequest{RoomID: "r", Text: "x", Markdown: long})
			return err
		}},
		{"two attachments", func() error {
			_, err := c.SendMessage(ctx, &webex.MessageRequest{RoomID: "r", Text: "x", Attachments: []webex.Attachment{card, card}})
			return err
		}},
		{"two files", func() error {
			_, err := c.SendMessage(ctx, &webex.MessageRequest{RoomID: "r", Files: []string{"http://a/1", "http://a/2"}})
			return err
		}},
		{"message without id", func() error { _, err := c.Message(ctx, ""); return err }},
		{"delete without id", func() error { return c.DeleteMessage(ctx, "") }},
		{"person without id", func() error { _, err := c.Person(ctx, ""); return err }},
		{"action without id", func() error { _, err := c.AttachmentAction(ctx, ""); return err }},
		{"list without room", func() error { _, err := c.ListMessages(ctx, webex.ListMessagesParams{}); return err }},
		{"list negative max", func() error {
			_, err := c.ListMessages(ctx, webex.ListMessagesParams{RoomID: "r", Max: -1})
			return err
		}},
		{"webhook without id", func() error { _, err := c.Webhook(ctx, ""); return err }},
		{"webhook without name", func() error {
			_, err := c.CreateWebhook(ctx, webex.WebhookRequest{TargetURL: "http://a/", Resource: "messages", Event: "created"})
			return err
		}},
		{"webhook without event", func() error {
			_, err := c.CreateWebhook(ctx, webex.WebhookRequest{Name: "n", TargetURL: "http://a/", Resource: "messages"})
			return err
		}},
		{"update without id", func() error {
			_, err := c.UpdateWebhook(ctx, "", webex.WebhookUpdate{Name: "n", TargetURL: "http://a/"})
			return err
		}},
		{"update without url", func() error { _, err := c.UpdateWebhook(ctx, "id", webex.WebhookUpdate{Name: "n"}); return err }},
		{"delete webhook without id", func() error { return c.DeleteWebhook(ctx, "") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, webex.ErrInvalidRequest) {
				t.Fatalf("error = %v, want ErrInvalidRequest", err)
			}
			if webex.IsRetryable(err) || webex.OutcomeUnknown(err) {
				t.Errorf("an invalid request is reported retryable or unknown: %v", err)
			}
		})
	}
	if calls := srv.Calls(); len(calls) != 0 {
		t.Errorf("invalid requests reached Webex: %+v", calls)
	}
}

// TestEmulatorValidatesToo sends, past the client's checks, what Webex
// refuses, and checks the client reports the 400 or 404 faithfully.
func TestEmulatorValidatesToo(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	ctx := testContext(t)
	tests := []struct {
		name   string
		req    webex.MessageRequest
		status int
	}{
		{"unknown room", webex.MessageRequest{RoomID: "no-such-room", Text: "x"}, http.StatusNotFound},
		{"unknown person", webex.MessageRequest{ToPersonID: "no-such-person", Text: "x"}, http.StatusNotFound},
		{"card of another type", webex.MessageRequest{ToPersonEmail: "a@example.com", Text: "x",
			Attachments: []webex.Attachment{{ContentType: "text/plain", Content: json.RawMessage(`"x"`)}}}, http.StatusBadRequest},
		{"parent elsewhere", webex.MessageRequest{ToPersonEmail: "a@example.com", ParentID: "nope", Text: "x"}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.SendMessage(ctx, &tt.req)
			var ae *webex.APIError
			if !errors.As(err, &ae) || ae.StatusCode != tt.status || !ae.Permanent() || ae.Message == "" {
				t.Errorf("SendMessage error = %v, want a permanent %d with a message", err, tt.status)
			}
		})
	}
}

func TestListMessagesPaging(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	ctx := testContext(t)

	const n = 250
	var ids []string // oldest first
	var roomID string
	for i := range n {
		m, err := srv.PostAsUser(emulator.UserMessage{Text: fmt.Sprintf("m%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids, roomID = append(ids, m.ID), m.RoomID
	}

	tests := []struct {
		name      string
		params    webex.ListMessagesParams
		wantFirst int // index in ids of the first (newest) message
		wantLen   int
		wantPages int
	}{
		{"default max", webex.ListMessagesParams{RoomID: roomID}, n - 1, 50, 1},
		{"one page", webex.ListMessagesParams{RoomID: roomID, Max: 100}, n - 1, 100, 1},
		{"across pages", webex.ListMessagesParams{RoomID: roomID, Max: 230}, n - 1, 230, 3},
		{"more than there are", webex.ListMessagesParams{RoomID: roomID, Max: 1000}, n - 1, n, 3},
		{"before a message", webex.ListMessagesParams{RoomID: roomID, BeforeMessage: ids[120], Max: 500}, 119, 120, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := countCalls(srv, http.MethodGet, "/messages")
			got, err := c.ListMessages(ctx, tt.params)
			if err != nil {
				t.Fatalf("ListMessages: %v", err)
			}
			if len(got) != tt.wantLen {
				t.Fatalf("got %d messages, want %d", len(got), tt.wantLen)
			}
			for i, m := range got {
				if want := ids[tt.wantFirst-i]; m.ID != want {
					t.Fatalf("message %d is %s (%s), want %s: not newest first", i, m.ID, m.Text, want)
				}
			}
			if pages := countCalls(srv, http.MethodGet, "/messages") - before; pages != tt.wantPages {
				t.Errorf("fetched %d pages, want %d", pages, tt.wantPages)
			}
		})
	}
}

func TestListMessagesFilters(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	ctx := testContext(t)

	root, err := srv.PostAsUser(emulator.UserMessage{RoomID: "space-1", RoomType: "group", Text: "thread", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, um := range []emulator.UserMessage{
		{RoomID: "space-1", Text: "chatter"},
		{RoomID: "space-1", Text: "reply", ParentID: root.ID, MentionBot: true},
		{RoomID: "space-1", Text: "quiet reply", ParentID: root.ID},
	} {
		if _, err := srv.PostAsUser(um); err != nil {
			t.Fatal(err)
		}
	}

	texts := func(ms []webex.Message) string {
		var s []string
		for _, m := range ms {
			s = append(s, m.Text)
		}
		return strings.Join(s, ",")
	}
	t.Run("mentions", func(t *testing.T) {
		got, err := c.ListMessages(ctx, webex.ListMessagesParams{RoomID: "space-1", MentionedPeople: "me"})
		if err != nil {
			t.Fatal(err)
		}
		if want := "Echo Bot reply,Echo Bot thread"; texts(got) != want {
			t.Errorf("got %q, want %q", texts(got), want)
		}
	})
	t.Run("thread", func(t *testing.T) {
		got, err := c.ListMessages(ctx, webex.ListMessagesParams{RoomID: "space-1", MentionedPeople: "me", ParentID: root.ID})
		if err != nil {
			t.Fatal(err)
		}
		if want := "Echo Bot reply"; texts(got) != want {
			t.Errorf("got %q, want %q", texts(got), want)
		}
	})
	t.Run("group room without mentions is refused", func(t *testing.T) {
		_, err := c.ListMessages(ctx, webex.ListMessagesParams{RoomID: "space-1"})
		var ae *webex.APIError
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusForbidden {
			t.Errorf("error = %v, want 403", err)
		}
	})
	t.Run("sends every parameter", func(t *testing.T) {
		_, _ = c.ListMessages(ctx, webex.ListMessagesParams{
			RoomID: "space-1", ParentID: root.ID, MentionedPeople: "me", Before: "2030-01-01T00:00:00Z", BeforeMessage: root.ID, Max: 5,
		})
		calls := srv.Calls()
		q, err := url.ParseQuery(calls[len(calls)-1].Query)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range map[string]string{
			"roomId": "space-1", "parentId": root.ID, "mentionedPeople": "me",
			"before": "2030-01-01T00:00:00Z", "beforeMessage": root.ID, "max": "5",
		} {
			if q.Get(k) != v {
				t.Errorf("query %s = %q, want %q", k, q.Get(k), v)
			}
		}
	})
}
