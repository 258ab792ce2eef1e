package webex_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

func TestNewConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     webex.Config
		wantErr bool
	}{
		{"defaults", webex.Config{Token: testToken}, false},
		{"trailing slash", webex.Config{Token: testToken, BaseURL: "http://127.0.0.1:1/v1/"}, false},
		{"no token", webex.Config{}, true},
		{"unparsable url", webex.Config{Token: testToken, BaseURL: "http://[::1"}, true},
		{"relative url", webex.Config{Token: testToken, BaseURL: "/v1"}, true},
		{"other scheme", webex.Config{Token: testToken, BaseURL: "ftp://example.com/v1"}, true},
		{"user info", webex.Config{Token: testToken, BaseURL: "https://u:" + testToken + "@example.com/v1"}, true},
		{"query", webex.Config{Token: testToken, BaseURL: "https://example.com/v1?token=x"}, true},
		{"negative timeout", webex.Config{Token: testToken, Timeout: -1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := webex.New(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New() error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				if !errors.Is(err, webex.ErrInvalidConfig) {
					t.Errorf("error %v does not wrap ErrInvalidConfig", err)
				}
				if strings.Contains(err.Error(), testToken) {
					t.Errorf("error %q contains the token", err)
				}
				return
			}
			if s := fmt.Sprint(c); strings.Contains(s, testToken) {
				t.Errorf("Client prints as %q", s)
			}
		})
	}
}

func TestConfigNeverShowsToken(t *testing.T) {
	cfg := webex.Config{Token: testToken, BaseURL: "https://example.com/v1"}
	c, err := webex.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{cfg, &cfg, c} {
			if s := fmt.Sprintf(format, v); strings.Contains(s, testToken) {
				t.Errorf("Sprintf(%q, %T) = %q shows the token", format, v, s)
			}
		}
	}
	if s := cfg.LogValue().String(); strings.Contains(s, testToken) {
		t.Errorf("LogValue shows the token: %s", s)
	}
}

func TestMeAndPerson(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	ctx := testContext(t)

	me, err := c.Me(ctx)
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	bot := srv.Bot()
	if me.ID != bot.ID || me.Type != "bot" || me.DisplayName != "Echo Bot" || len(me.Emails) != 1 || me.Emails[0] != "bot@webex.bot" {
		t.Errorf("Me = %+v, want the bot %+v", me, bot)
	}

	m, err := srv.PostAsUser(emulator.UserMessage{PersonEmail: "alice@example.com", Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	alice, err := c.Person(ctx, m.PersonID)
	if err != nil {
		t.Fatalf("Person: %v", err)
	}
	if alice.ID != m.PersonID || alice.Type != "person" || alice.Emails[0] != "alice@example.com" {
		t.Errorf("Person = %+v", alice)
	}
}

func TestMessages(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	ctx := testContext(t)

	in, err := srv.PostAsUser(emulator.UserMessage{PersonEmail: "alice@example.com", Text: "ping"})
	if err != nil {
		t.Fatal(err)
	}
	card := webex.Attachment{
		ContentType: webex.AdaptiveCardContentType,
		Content:     json.RawMessage(`{"type":"AdaptiveCard","version":"1.3","body":[{"type":"TextBlock","text":"hi"}]}`),
	}

	t.Run("get", func(t *testing.T) {
		got, err := c.Message(ctx, in.ID)
		if err != nil {
			t.Fatalf("Message: %v", err)
		}
		if got.ID != in.ID || got.Text != "ping" || got.RoomType != "direct" || got.PersonEmail != "alice@example.com" || got.Created == "" {
			t.Errorf("Message = %+v", got)
		}
	})
	t.Run("reply in room with card", func(t *testing.T) {
		got, err := c.SendMessage(ctx, &webex.MessageRequest{
			RoomID: in.RoomID, ParentID: in.ID, Text: "pong", Attachments: []webex.Attachment{card},
		})
		if err != nil {
			t.Fatalf("SendMessage: %v", err)
		}
		if got.RoomID != in.RoomID || got.ParentID != in.ID || got.PersonID != srv.Bot().ID || len(got.Attachments) != 1 {
			t.Errorf("SendMessage = %+v", got)
		}
		var content map[string]any
		if err := json.Unmarshal(got.Attachments[0].Content, &content); err != nil || content["type"] != "AdaptiveCard" {
			t.Errorf("card content came back as %s", got.Attachments[0].Content)
		}
	})
	t.Run("direct by email", func(t *testing.T) {
		got, err := c.SendMessage(ctx, &webex.MessageRequest{ToPersonEmail: "alice@example.com", Markdown: "**hello**"})
		if err != nil {
			t.Fatalf("SendMessage: %v", err)
		}
		if got.RoomID != in.RoomID || got.ToPersonEmail != "alice@example.com" || got.Markdown != "**hello**" {
			t.Errorf("SendMessage = %+v, want the direct room %s", got, in.RoomID)
		}
	})
	t.Run("direct by person id", func(t *testing.T) {
		got, err := c.SendMessage(ctx, &webex.MessageRequest{ToPersonID: in.PersonID, Text: "again"})
		if err != nil {
			t.Fatalf("SendMessage: %v", err)
		}
		if got.RoomID != in.RoomID || got.ToPersonID != in.PersonID {
			t.Errorf("SendMessage = %+v", got)
		}
	})
	t.Run("text of exactly the limit", func(t *testing.T) {
		if _, err := c.SendMessage(ctx, &webex.MessageRequest{RoomID: in.RoomID, Text: strings.Repeat("é", webex.MaxTextBytes/2) + "x"}); err != nil {
			t.Fatalf("SendMessage of %d bytes: %v", webex.MaxTextBytes, err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		m, err := c.SendMessage(ctx, &webex.MessageRequest{RoomID: in.RoomID, Text: "to delete"})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteMessage(ctx, m.ID); err != nil {
			t.Fatalf("DeleteMessage: %v", err)
		}
		_, err = c.Message(ctx, m.ID)
		var ae *webex.APIError
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound {
			t.Errorf("Message after delete: %v, want 404", err)
		}
	})
}

func TestAttachmentAction(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	ctx := testContext(t)

	in, err := srv.PostAsUser(emulator.UserMessage{Text: "card please"})
	if err != nil {
		t.Fatal(err)
	}
	cardMsg, err := c.SendMessage(ctx, &webex.MessageRequest{RoomID: in.RoomID, Text: "a card", Attachments: []webex.Attachment{{
		ContentType: webex.AdaptiveCardContentType, Content: json.RawMessage(`{"type":"AdaptiveCard","version":"1.3"}`),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	added := srv.AddAttachmentAction(webex.AttachmentAction{MessageID: cardMsg.ID, Inputs: map[string]any{"choice": "b", "n": 2}})

	got, err := c.AttachmentAction(ctx, added.ID)
	if err != nil {
		t.Fatalf("AttachmentAction: %v", err)
	}
	if got.ID != added.ID || got.Type != "submit" || got.MessageID != cardMsg.ID || got.RoomID != in.RoomID ||
		got.PersonID != in.PersonID || got.Inputs["choice"] != "b" || got.Inputs["n"] != float64(2) || got.Created == "" {
		t.Errorf("AttachmentAction = %+v", got)
	}
}

func TestWebhooks(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	ctx := testContext(t)

	created, err := c.CreateWebhook(ctx, webex.WebhookRequest{
		Name: "pipe", TargetURL: "http://127.0.0.1:1/webhook", Resource: "messages", Event: "created",
		Filter: "mentionedPeople=me", Secret: "whsec-1",
	})
	if err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	if created.ID == "" || created.Status != "active" || created.Secret != "whsec-1" || created.Filter != "mentionedPeople=me" ||
		created.CreatedBy != srv.Bot().ID || created.OrgID == "" || created.AppID == "" || created.OwnedBy != "creator" {
		t.Errorf("CreateWebhook = %#v (secret %q)", created, created.Secret)
	}
	if s := fmt.Sprintf("%v %+v %#v", *created, created, created); strings.Contains(s, "whsec-1") {
		t.Errorf("a Webhook prints its secret: %s", s)
	}

	got, err := c.Webhook(ctx, created.ID)
	if err != nil || *got != *created {
		t.Errorf("Webhook = %v, %v; want %v", got, err, created)
	}

	updated, err := c.UpdateWebhook(ctx, created.ID, webex.WebhookUpdate{Name: "renamed", TargetURL: "http://127.0.0.1:2/w", Status: "disabled"})
	if err != nil {
		t.Fatalf("UpdateWebhook: %v", err)
	}
	if updated.Name != "renamed" || updated.TargetURL != "http://127.0.0.1:2/w" || updated.Status != "disabled" ||
		updated.Secret != "whsec-1" || updated.Resource != "messages" || updated.Filter != "mentionedPeople=me" {
		t.Errorf("UpdateWebhook = %#v: want name, url and status changed, the rest kept", updated)
	}

	if err := c.DeleteWebhook(ctx, created.ID); err != nil {
		t.Fatalf("DeleteWebhook: %v", err)
	}
	_, err = c.Webhook(ctx, created.ID)
	var ae *webex.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound {
		t.Errorf("Webhook after delete: %v, want 404", err)
	}
	if err := c.DeleteWebhook(ctx, created.ID); !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound {
		t.Errorf("second DeleteWebhook: %v, want 404", err)
	}
}

func TestWebhooksListsEveryPage(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	ctx := testContext(t)

	const n = 205 // the emulator pages by 100: three pages
	want := make([]string, n)
	for i := range n {
		w, err := c.CreateWebhook(ctx, webex.WebhookRequest{
			Name: fmt.Sprintf("hook %d", i), TargetURL: "http://127.0.0.1:1/w", Resource: "all", Event: "all",
		})
		if err != nil {
			t.Fatal(err)
		}
		want[i] = w.ID
	}
	got, err := c.Webhooks(ctx)
	if err != nil {
		t.Fatalf("Webhooks: %v", err)
	}
	if len(got) != n {
		t.Fatalf("Webhooks returned %d, want %d", len(got), n)
	}
	for i := range got {
		if got[i].ID != want[i] {
			t.Fatalf("Webhooks[%d] = %s, want %s", i, got[i].ID, want[i])
		}
	}
	if pages := countCalls(srv, http.MethodGet, "/webhooks"); pages != 3 {
		t.Errorf("Webhooks fetched %d pages, want 3", pages)
	}
}

func TestRedirectsAreReportedNotFollowed(t *testing.T) {
	var followed atomic.Bool
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed.Store(true)
			io.WriteString(w, `{"id":"x"}`)
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	t.Cleanup(ts.Close)
	c, err := webex.New(webex.Config{BaseURL: ts.URL + "/v1", Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SendMessage(testContext(t), &webex.MessageRequest{RoomID: "r", Text: "x"})
	var ae *webex.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusFound || !ae.Permanent() {
		t.Errorf("error = %v, want a permanent 302", err)
	}
	if followed.Load() {
		t.Error("the client followed the redirect")
	}
}
