package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
)

var testCard = webex.Attachment{
	ContentType: webex.AdaptiveCardContentType,
	Content:     json.RawMessage(`{"type":"AdaptiveCard","version":"1.3","body":[{"type":"Input.Text","id":"name"}]}`),
}

// cardInRoom has the bot send a card in the direct room of a user and
// returns the user's message and the card.
func cardInRoom(t *testing.T, s *Server, email string) (user, card webex.Message) {
	t.Helper()
	user, err := s.PostAsUser(UserMessage{PersonEmail: email, Text: "card please"})
	if err != nil {
		t.Fatal(err)
	}
	sent, err := client(t, s).SendMessage(testContext(t), &webex.MessageRequest{
		RoomID: user.RoomID, Markdown: "a card", Attachments: []webex.Attachment{testCard},
	})
	if err != nil {
		t.Fatal(err)
	}
	return user, *sent
}

func TestCardIsStoredWithItsMessage(t *testing.T) {
	s := NewTest(t, Options{})
	_, card := cardInRoom(t, s, "")
	got, err := client(t, s).Message(testContext(t), card.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Attachments) != 1 || got.Attachments[0].ContentType != webex.AdaptiveCardContentType ||
		!strings.Contains(string(got.Attachments[0].Content), `"Input.Text"`) {
		t.Errorf("GET /messages/{id} attachments = %+v", got.Attachments)
	}
}

func TestSubmitCard(t *testing.T) {
	s := NewTest(t, Options{})
	tg := newTarget(t, http.StatusOK)
	hook := addWebhook(t, s, webex.WebhookRequest{TargetURL: tg.URL, Resource: "attachmentActions", Event: "created", Secret: "card-secret"})
	user, card := cardInRoom(t, s, "")
	plain, err := s.PostAsUser(UserMessage{Text: "no card here"})
	if err != nil {
		t.Fatal(err)
	}
	_, othersCard := cardInRoom(t, s, "other@example.com")

	tests := []struct {
		name string
		cs   CardSubmit
		want error // nil: submitted
	}{
		{name: "a user submits the card", cs: CardSubmit{MessageID: card.ID, Inputs: map[string]any{"name": "Ana", "action": "demo"}}},
		{name: "unknown message", cs: CardSubmit{MessageID: "nope"}, want: ErrNoMessage},
		{name: "message without a card", cs: CardSubmit{MessageID: plain.ID}, want: ErrNoCard},
		{name: "the bot cannot press its own card", cs: CardSubmit{MessageID: card.ID, PersonEmail: DefaultBotEmail}, want: ErrCannotSubmit},
		{name: "another user's direct room", cs: CardSubmit{MessageID: othersCard.ID}, want: ErrCannotSubmit},
		{name: "not an email", cs: CardSubmit{MessageID: card.ID, PersonEmail: "ana"}, want: ErrCannotSubmit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(tg.requests())
			a, err := s.SubmitCard(tt.cs)
			settle(t, s)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("error %v, want %v", err, tt.want)
				}
				if n := len(tg.requests()); n != before {
					t.Errorf("a refused submit sent %d webhooks", n-before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Type != "submit" || a.MessageID != card.ID || a.RoomID != user.RoomID || a.PersonID != user.PersonID || a.Inputs["name"] != "Ana" {
				t.Errorf("action = %+v", a)
			}
			got, err := client(t, s).AttachmentAction(testContext(t), a.ID)
			if err != nil || got.Inputs["action"] != "demo" {
				t.Errorf("GET /attachment/actions/{id} = %+v, %v", got, err)
			}
			reqs := tg.requests()
			if len(reqs) != before+1 {
				t.Fatalf("%d webhooks, want 1", len(reqs)-before)
			}
			r := reqs[len(reqs)-1]
			if r.header.Get(events.SignatureHeader) != events.Sign([]byte("card-secret"), r.body) {
				t.Error("the webhook is not signed with the webhook's secret")
			}
			env, err := events.Decode(r.body)
			if err != nil {
				t.Fatal(err)
			}
			want := events.Data{ID: a.ID, Type: "submit", MessageID: card.ID, PersonID: user.PersonID, RoomID: user.RoomID, Created: a.Created}
			if env.ID != hook.ID || env.Resource != "attachmentActions" || env.Event != "created" || !equalData(env.Data, want) {
				t.Errorf("webhook = %+v, data %+v", env, env.Data)
			}
			if strings.Contains(string(r.body), "Ana") {
				t.Error("the webhook carries the inputs; Webex sends only ids")
			}
		})
	}
}

func TestControlSubmitCard(t *testing.T) {
	s := NewTest(t, Options{})
	_, card := cardInRoom(t, s, "")
	plain, err := s.PostAsUser(UserMessage{Text: "no card"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, body string
		status           int
	}{
		{"submit", "/_sim/messages/" + card.ID + "/submit", `{"inputs":{"action":"demo","name":"Ana"}}`, http.StatusOK},
		{"empty body is a submit without inputs", "/_sim/messages/" + card.ID + "/submit", `{}`, http.StatusOK},
		{"no card", "/_sim/messages/" + plain.ID + "/submit", `{}`, http.StatusBadRequest},
		{"unknown message", "/_sim/messages/nope/submit", `{}`, http.StatusNotFound},
		{"as the bot", "/_sim/messages/" + card.ID + "/submit", `{"personEmail":"` + DefaultBotEmail + `"}`, http.StatusBadRequest},
		{"not JSON", "/_sim/messages/" + card.ID + "/submit", `name=Ana`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := call(t, s, "POST", tt.path, "", "", tt.body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status == http.StatusOK {
				var a webex.AttachmentAction
				if err := json.Unmarshal(body, &a); err != nil || a.ID == "" || a.MessageID != card.ID {
					t.Errorf("answer %s", body)
				}
				return
			}
			var eb errorBody
			if err := json.Unmarshal(body, &eb); err != nil || eb.Message == "" {
				t.Errorf("error body %s", body)
			}
		})
	}
}
