package emulator

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
)

func TestControlRoomsAndPeople(t *testing.T) {
	s := NewTest(t, Options{})
	if _, err := s.PostAsUser(UserMessage{PersonEmail: "ana@example.com", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	resp, body := call(t, s, "POST", "/_sim/rooms", "", "", `{"title":"Team space","creatorEmail":"bo@example.com"}`)
	var created RoomInfo
	if err := json.Unmarshal(body, &created); err != nil || resp.StatusCode != http.StatusOK || created.Type != "group" || created.Title != "Team space" {
		t.Fatalf("POST /_sim/rooms: %d %s", resp.StatusCode, body)
	}
	if _, err := s.PostAsUser(UserMessage{RoomID: created.ID, PersonEmail: "bo@example.com", Text: "all", MentionBot: true}); err != nil {
		t.Fatal(err)
	}

	_, body = call(t, s, "GET", "/_sim/rooms", "", "", "")
	var rooms items[RoomInfo]
	if err := json.Unmarshal(body, &rooms); err != nil {
		t.Fatal(err)
	}
	want := []RoomInfo{{Type: "direct", UserEmail: "ana@example.com", Messages: 1}, {Type: "group", Title: "Team space", Messages: 1}}
	if len(rooms.Items) != len(want) {
		t.Fatalf("rooms = %s", body)
	}
	for i, w := range want {
		got := rooms.Items[i]
		if got.Type != w.Type || got.UserEmail != w.UserEmail || got.Messages != w.Messages || w.Title != "" && got.Title != w.Title {
			t.Errorf("room %d = %+v, want %+v", i, got, w)
		}
	}

	_, body = call(t, s, "GET", "/_sim/people", "", "", "")
	var ppl people
	if err := json.Unmarshal(body, &ppl); err != nil {
		t.Fatal(err)
	}
	if ppl.Bot.ID != s.Bot().ID || len(ppl.Items) != 2 || ppl.Items[0].Emails[0] != "ana@example.com" || ppl.Items[1].Emails[0] != "bo@example.com" {
		t.Errorf("people = %s", body)
	}

	for name, body := range map[string]string{
		"the bot creates":   `{"creatorEmail":"` + DefaultBotEmail + `"}`,
		"no email":          `{"creatorEmail":"bo"}`,
		"title too long":    `{"title":"` + strings.Repeat("x", maxTitleBytes+1) + `"}`,
		"not a JSON object": `[]`,
	} {
		if resp, got := call(t, s, "POST", "/_sim/rooms", "", "", body); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %s", name, resp.StatusCode, got)
		}
	}
}

// Files travel as names in the message and its webhook; a message of files
// only needs no text.
func TestUserMessageFiles(t *testing.T) {
	s := NewTest(t, Options{})
	tg := newTarget(t, http.StatusOK)
	addWebhook(t, s, webex.WebhookRequest{TargetURL: tg.URL, Resource: "messages", Event: "created"})
	m, err := s.PostAsUser(UserMessage{Files: []string{"report.pdf", "photo.png"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := client(t, s).Message(testContext(t), m.ID)
	if err != nil || len(got.Files) != 2 || got.Files[0] != "report.pdf" {
		t.Errorf("GET message: %+v, %v", got, err)
	}
	settle(t, s)
	if reqs := tg.requests(); len(reqs) != 1 || !strings.Contains(string(reqs[0].body), `"files":["report.pdf","photo.png"]`) {
		t.Errorf("webhook bodies: %v", reqs)
	}
	for name, um := range map[string]UserMessage{
		"an empty name":  {Files: []string{""}},
		"too many files": {Files: strings.Split(strings.Repeat("f,", maxUserFiles), ",")},
	} {
		if _, err := s.PostAsUser(um); err == nil {
			t.Errorf("%s: posted", name)
		}
	}
}

// A served fault posts the message and answers its status: the caller
// cannot tell whether the message exists, as after a 504 from Webex.
func TestServedFault(t *testing.T) {
	s := NewTest(t, Options{})
	m, err := s.PostAsUser(UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := call(t, s, "POST", "/_sim/faults", "", "", `{"method":"POST","path":"/messages","status":504,"served":true,"times":1}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("inject: %d %s", resp.StatusCode, body)
	}
	_, err = client(t, s).SendMessage(testContext(t), &webex.MessageRequest{RoomID: m.RoomID, Text: "answer"})
	var apiErr *webex.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("SendMessage: %v, want a 504", err)
	}
	if bot := s.BotMessages(m.RoomID); len(bot) != 1 || bot[0].Text != "answer" {
		t.Errorf("bot messages after a served 504: %+v, want the message posted", bot)
	}
	if resp, body := call(t, s, "POST", "/_sim/faults", "", "", `{"served":true,"delay":"1s"}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a served fault without a status: %d %s", resp.StatusCode, body)
	}
}

func TestControlCallsLast(t *testing.T) {
	s := NewTest(t, Options{})
	c := client(t, s)
	for range 3 {
		if _, err := c.Me(testContext(t)); err != nil {
			t.Fatal(err)
		}
	}
	_, body := call(t, s, "GET", "/_sim/calls?last=2", "", "", "")
	var calls items[json.RawMessage]
	if err := json.Unmarshal(body, &calls); err != nil || len(calls.Items) != 2 {
		t.Errorf("last=2: %s", body)
	}
	if resp, _ := call(t, s, "GET", "/_sim/calls?last=-1", "", "", ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("last=-1: %d", resp.StatusCode)
	}
}

// The event stream says "change" at once and again after a change.
func TestControlEvents(t *testing.T) {
	s := NewTest(t, Options{})
	base := strings.TrimSuffix(s.URL(), "/v1")
	req, err := http.NewRequestWithContext(testContext(t), "GET", base+"/_sim/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				lines <- sc.Text()
			}
		}
	}()
	next := func() string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the stream ended")
			}
			return l
		case <-time.After(5 * time.Second):
			t.Fatal("no event within 5s")
		}
		return ""
	}
	first := next()
	if _, err := s.PostAsUser(UserMessage{Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if second := next(); second == first {
		t.Errorf("the version did not move: %s then %s", first, second)
	}
}

// The page and its files are served from the binary, the card renderer
// included.
func TestPage(t *testing.T) {
	s := NewTest(t, Options{})
	for path, want := range map[string]string{
		"/":                                 "<title>Webex emulator</title>",
		"/web/app.js":                       "/_sim/events",
		"/web/vendor/adaptivecards.min.js":  "AdaptiveCards",
		"/web/vendor/LICENSE.adaptivecards": "MIT License",
	} {
		resp, body := call(t, s, "GET", path, "", "", "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, %d bytes", path, resp.StatusCode, len(body))
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
	}
	for _, path := range []string{"/web/build/vendor.sh", "/web/nothing.js", "/elsewhere"} {
		if resp, _ := call(t, s, "GET", path, "", "", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}
