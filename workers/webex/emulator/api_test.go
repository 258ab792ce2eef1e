package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// TestAPIRefusesLikeWebex sends what Webex refuses and checks the status and
// that every error has Webex's body and tracking id.
func TestAPIRefusesLikeWebex(t *testing.T) {
	s := NewTest(t, Options{})
	in, err := s.PostAsUser(UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PostAsUser(UserMessage{RoomID: "g", RoomType: "group", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	tok := s.Token()
	const js = "application/json"
	long := strings.Repeat("a", maxTextBytes+1)
	card := `{"contentType":"application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard","version":"1.3"}}`
	msg := func(fields string) string { return `{"roomId":"` + in.RoomID + `"` + fields + `}` }

	tests := []struct {
		name, method, path, token, contentType, body string
		status                                       int
	}{
		{"no token", "GET", "/v1/people/me", "", "", "", 401},
		{"wrong token", "GET", "/v1/people/me", "nope", "", "", 401},
		{"unknown person", "GET", "/v1/people/nobody", tok, "", "", 404},
		{"unknown room", "GET", "/v1/rooms/nowhere", tok, "", "", 404},
		{"no destination", "POST", "/v1/messages", tok, js, `{"text":"x"}`, 400},
		{"no content", "POST", "/v1/messages", tok, js, msg(``), 400},
		{"text too long", "POST", "/v1/messages", tok, js, msg(`,"text":"` + long + `"`), 400},
		{"markdown too long", "POST", "/v1/messages", tok, js, msg(`,"markdown":"` + long + `"`), 400},
		{"two attachments", "POST", "/v1/messages", tok, js, msg(`,"text":"x","attachments":[` + card + `,` + card + `]`), 400},
		{"attachment without content", "POST", "/v1/messages", tok, js, msg(`,"text":"x","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive"}]`), 400},
		{"two files", "POST", "/v1/messages", tok, js, msg(`,"files":["http://a/1","http://a/2"]`), 400},
		{"unknown room to post in", "POST", "/v1/messages", tok, js, `{"roomId":"nowhere","text":"x"}`, 404},
		{"to the bot itself", "POST", "/v1/messages", tok, js, `{"toPersonEmail":"bot@webex.bot","text":"x"}`, 400},
		{"not json", "POST", "/v1/messages", tok, js, `{"roomId":`, 400},
		{"not a json type", "POST", "/v1/messages", tok, "text/plain", msg(`,"text":"x"`), 415},
		{"no content type", "POST", "/v1/messages", tok, "", msg(`,"text":"x"`), 415},
		{"body too large", "POST", "/v1/messages", tok, js, msg(`,"text":"` + strings.Repeat("a", maxBodyBytes) + `"`), 413},
		{"list without room", "GET", "/v1/messages", tok, "", "", 400},
		{"list unknown room", "GET", "/v1/messages?roomId=nowhere", tok, "", "", 404},
		{"list max zero", "GET", "/v1/messages?roomId=" + in.RoomID + "&max=0", tok, "", "", 400},
		{"list max over 100 with mentions", "GET", "/v1/messages?roomId=" + in.RoomID + "&mentionedPeople=me&max=101", tok, "", "", 400},
		{"list mentions of someone else", "GET", "/v1/messages?roomId=" + in.RoomID + "&mentionedPeople=" + in.PersonID, tok, "", "", 400},
		{"list bad before", "GET", "/v1/messages?roomId=" + in.RoomID + "&before=yesterday", tok, "", "", 400},
		{"list group without mentions", "GET", "/v1/messages?roomId=g", tok, "", "", 403},
		{"unknown message", "GET", "/v1/messages/nothing", tok, "", "", 404},
		{"delete a user's message", "DELETE", "/v1/messages/" + in.ID, tok, "", "", 403},
		{"unknown action", "GET", "/v1/attachment/actions/nothing", tok, "", "", 404},
		{"webhook without event", "POST", "/v1/webhooks", tok, js, `{"name":"n","targetUrl":"http://a/","resource":"messages"}`, 400},
		{"webhook bad target", "POST", "/v1/webhooks", tok, js, `{"name":"n","targetUrl":"a/b","resource":"messages","event":"created"}`, 400},
		{"webhook unknown resource", "POST", "/v1/webhooks", tok, js, `{"name":"n","targetUrl":"http://a/","resource":"nope","event":"created"}`, 400},
		{"webhook unknown event", "POST", "/v1/webhooks", tok, js, `{"name":"n","targetUrl":"http://a/","resource":"messages","event":"nope"}`, 400},
		{"update unknown webhook", "PUT", "/v1/webhooks/nothing", tok, js, `{"name":"n","targetUrl":"http://a/"}`, 404},
		{"update without name", "PUT", "/v1/webhooks/nothing", tok, js, `{"targetUrl":"http://a/"}`, 400},
		{"delete unknown webhook", "DELETE", "/v1/webhooks/nothing", tok, "", "", 404},
		{"method not allowed", "PATCH", "/v1/messages", tok, "", "", 405},
		{"unknown path", "GET", "/v1/nothing", tok, "", "", 404},
		{"unknown control path", "GET", "/_sim/nothing", "", "", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := call(t, s, tt.method, tt.path, tt.token, tt.contentType, tt.body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			var eb errorBody
			if err := json.Unmarshal(body, &eb); err != nil {
				t.Fatalf("error body is not JSON: %s", body)
			}
			tid := resp.Header.Get("TrackingID")
			if eb.Message == "" || len(eb.Errors) != 1 || eb.Errors[0].Description == "" || tid == "" || eb.TrackingID != tid {
				t.Errorf("error body %s with TrackingID header %q is not Webex's shape", body, tid)
			}
			if tt.status == 405 && resp.Header.Get("Allow") != "GET, POST" {
				t.Errorf("Allow = %q", resp.Header.Get("Allow"))
			}
		})
	}
}

func TestEveryAnswerHasATrackingID(t *testing.T) {
	s := NewTest(t, Options{})
	seen := map[string]bool{}
	for _, path := range []string{"/v1/people/me", "/v1/rooms", "/v1/webhooks", "/_sim/calls"} {
		resp, _ := call(t, s, "GET", path, s.Token(), "", "")
		tid := resp.Header.Get("TrackingID")
		if resp.StatusCode != http.StatusOK || tid == "" || seen[tid] {
			t.Errorf("GET %s: status %d, TrackingID %q (must be set and fresh)", path, resp.StatusCode, tid)
		}
		seen[tid] = true
	}
}

func TestBotDefaultsAndOverrides(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want webex.Person
	}{
		{"defaults", Options{}, webex.Person{Emails: []string{"bot@webex.bot"}, DisplayName: "Echo Bot", Type: "bot"}},
		{"given", Options{Bot: webex.Person{ID: "bot-1", Emails: []string{"cards@webex.bot"}, DisplayName: "Cards"}},
			webex.Person{ID: "bot-1", Emails: []string{"cards@webex.bot"}, DisplayName: "Cards", Type: "bot"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewTest(t, tt.opts)
			me, err := client(t, s).Me(testContext(t))
			if err != nil {
				t.Fatal(err)
			}
			if me.ID == "" || (tt.want.ID != "" && me.ID != tt.want.ID) || me.DisplayName != tt.want.DisplayName ||
				me.Type != tt.want.Type || fmt.Sprint(me.Emails) != fmt.Sprint(tt.want.Emails) || me.OrgID == "" || me.Created == "" {
				t.Errorf("Me = %+v, want %+v", me, tt.want)
			}
			if s.Bot().ID != me.ID {
				t.Errorf("Bot() = %+v, Me = %+v", s.Bot(), me)
			}
		})
	}
}

func TestCustomToken(t *testing.T) {
	s := NewTest(t, Options{Token: "my-token"})
	if s.Token() != "my-token" {
		t.Fatalf("Token() = %q", s.Token())
	}
	if resp, _ := call(t, s, "GET", "/v1/people/me", "my-token", "", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("custom token refused: %d", resp.StatusCode)
	}
	if resp, _ := call(t, s, "GET", "/v1/people/me", DefaultToken, "", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("default token accepted when another was set: %d", resp.StatusCode)
	}
}

func TestRooms(t *testing.T) {
	s := NewTest(t, Options{})
	direct, err := s.PostAsUser(UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PostAsUser(UserMessage{RoomID: "space", RoomType: "group", Text: "x"}); err != nil {
		t.Fatal(err)
	}

	resp, body := call(t, s, "GET", "/v1/rooms/"+direct.RoomID, s.Token(), "", "")
	var rm map[string]any
	if err := json.Unmarshal(body, &rm); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET room: %d %s", resp.StatusCode, body)
	}
	if rm["id"] != direct.RoomID || rm["type"] != "direct" || rm["title"] != "user" || rm["creatorId"] != direct.PersonID {
		t.Errorf("room = %v", rm)
	}

	tests := []struct {
		name, query string
		want        []string
		next        bool
	}{
		{"all", "", []string{direct.RoomID, "space"}, false},
		{"direct only", "?type=direct", []string{direct.RoomID}, false},
		{"group only", "?type=group", []string{"space"}, false},
		{"first page", "?max=1", []string{direct.RoomID}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := call(t, s, "GET", "/v1/rooms"+tt.query, s.Token(), "", "")
			var page items[roomJSON]
			if err := json.Unmarshal(body, &page); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range page.Items {
				ids = append(ids, r.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
				t.Errorf("rooms %v, want %v", ids, tt.want)
			}
			if link := resp.Header.Get("Link"); (link != "") != tt.next || (tt.next && !strings.HasSuffix(link, `>; rel="next"`)) {
				t.Errorf("Link = %q, want a next link: %v", link, tt.next)
			}
		})
	}
}

func TestWebhookUpdateKeepsWhatIsOmitted(t *testing.T) {
	s := NewTest(t, Options{})
	c := client(t, s)
	ctx := testContext(t)
	wh := addWebhook(t, s, webex.WebhookRequest{TargetURL: "http://127.0.0.1:1/", Resource: "messages", Event: "created", Secret: "old", Filter: "roomType=direct"})
	tests := []struct {
		name       string
		update     webex.WebhookUpdate
		wantSecret string
		wantStatus string
	}{
		{"omitted secret and status", webex.WebhookUpdate{Name: "a", TargetURL: "http://127.0.0.1:2/"}, "old", "active"},
		{"new secret", webex.WebhookUpdate{Name: "b", TargetURL: "http://127.0.0.1:2/", Secret: "new"}, "new", "active"},
		{"disable", webex.WebhookUpdate{Name: "c", TargetURL: "http://127.0.0.1:2/", Status: "disabled"}, "new", "disabled"},
		{"enable", webex.WebhookUpdate{Name: "d", TargetURL: "http://127.0.0.1:3/", Status: "active"}, "new", "active"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.UpdateWebhook(ctx, wh.ID, tt.update)
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tt.update.Name || got.TargetURL != tt.update.TargetURL || got.Secret != tt.wantSecret || got.Status != tt.wantStatus ||
				got.Resource != "messages" || got.Event != "created" || got.Filter != "roomType=direct" || got.Created != wh.Created {
				t.Errorf("after update: %#v secret %q", got, got.Secret)
			}
		})
	}
}

func TestPostAsUser(t *testing.T) {
	s := NewTest(t, Options{})
	first, err := s.PostAsUser(UserMessage{Text: "one"})
	if err != nil {
		t.Fatal(err)
	}
	if first.RoomType != "direct" || first.PersonEmail != DefaultUserEmail || first.PersonID == "" || first.Created == "" {
		t.Errorf("first message = %+v", first)
	}
	if _, err := s.PostAsUser(UserMessage{RoomID: "shared-space", RoomType: "group", Text: "open"}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		um      UserMessage
		wantErr bool
		check   func(t *testing.T, m webex.Message)
	}{
		{"same user, same direct room", UserMessage{Text: "two"}, false, func(t *testing.T, m webex.Message) {
			if m.RoomID != first.RoomID {
				t.Errorf("room %s, want %s", m.RoomID, first.RoomID)
			}
		}},
		{"other user, other direct room", UserMessage{PersonEmail: "bob@example.com", Text: "hi"}, false, func(t *testing.T, m webex.Message) {
			if m.RoomID == first.RoomID || m.PersonID == first.PersonID {
				t.Errorf("bob shares alice's room or id: %+v", m)
			}
		}},
		{"mention", UserMessage{RoomID: "shared-space", Text: "do it", MentionBot: true}, false, func(t *testing.T, m webex.Message) {
			if m.Text != "Echo Bot do it" || len(m.MentionedPeople) != 1 || m.MentionedPeople[0] != s.Bot().ID ||
				!strings.Contains(m.HTML, `<spark-mention data-object-type="person" data-object-id="`+s.Bot().ID+`">Echo Bot</spark-mention> do it`) {
				t.Errorf("mention = text %q html %q mentioned %v", m.Text, m.HTML, m.MentionedPeople)
			}
		}},
		{"mention already named", UserMessage{Text: "Echo Bot do it", MentionBot: true}, false, func(t *testing.T, m webex.Message) {
			if m.Text != "Echo Bot do it" {
				t.Errorf("text %q", m.Text)
			}
		}},
		{"mention of a longer word", UserMessage{Text: "Echo Botany", MentionBot: true}, false, func(t *testing.T, m webex.Message) {
			if m.Text != "Echo Bot Echo Botany" {
				t.Errorf("text %q", m.Text)
			}
		}},
		{"markdown only", UserMessage{Markdown: "**b**"}, false, func(t *testing.T, m webex.Message) {
			if m.Markdown != "**b**" || m.Text == "" {
				t.Errorf("markdown message = %+v", m)
			}
		}},
		{"reply", UserMessage{Text: "re", ParentID: first.ID}, false, func(t *testing.T, m webex.Message) {
			if m.ParentID != first.ID {
				t.Errorf("parentId %q", m.ParentID)
			}
		}},
		{"group without room", UserMessage{RoomType: "group", Text: "x"}, true, nil},
		{"unknown room type", UserMessage{RoomType: "team", Text: "x"}, true, nil},
		{"no text", UserMessage{}, true, nil},
		{"text too long", UserMessage{Text: strings.Repeat("a", maxTextBytes+1)}, true, nil},
		{"as the bot", UserMessage{PersonEmail: "bot@webex.bot", Text: "x"}, true, nil},
		{"not an email", UserMessage{PersonEmail: "bob", Text: "x"}, true, nil},
		{"someone else's direct room", UserMessage{RoomID: first.RoomID, PersonEmail: "eve@example.com", Text: "x"}, true, nil},
		{"wrong type for a known room", UserMessage{RoomID: "shared-space", RoomType: "direct", Text: "x"}, true, nil},
		{"parent in another room", UserMessage{RoomID: "shared-space", ParentID: first.ID, Text: "x"}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := s.PostAsUser(tt.um)
			if (err != nil) != tt.wantErr {
				t.Fatalf("PostAsUser error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalidMessage) {
					t.Errorf("error %v does not wrap ErrInvalidMessage", err)
				}
				return
			}
			tt.check(t, m)
		})
	}

	msgs := s.RoomMessages(first.RoomID)
	var texts []string
	for _, m := range msgs {
		texts = append(texts, m.Text)
	}
	if want := "one,two,Echo Bot do it,Echo Bot Echo Botany,**b**,re"; strings.Join(texts, ",") != want {
		t.Errorf("RoomMessages = %q, want oldest first %q", strings.Join(texts, ","), want)
	}
	if s.RoomMessages("nowhere") != nil {
		t.Error("RoomMessages of an unknown room is not nil")
	}
}

func TestStartOnEveryInterfaceGivesADialableURL(t *testing.T) {
	s := New(Options{})
	if err := s.Start(":0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || !strings.HasSuffix(s.URL(), "/v1") {
		t.Fatalf("URL() = %q", s.URL())
	}
	if _, err := client(t, s).Me(testContext(t)); err != nil {
		t.Errorf("Me via %s: %v", s.URL(), err)
	}
	if err := s.Start(":0"); err == nil {
		t.Error("a second Start succeeded")
	}
}

func TestHandlerMountedElsewhere(t *testing.T) {
	s := New(Options{})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		s.Close()
	})
	c, err := webex.New(webex.Config{BaseURL: ts.URL + "/v1", Token: s.Token()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	for i := range 3 {
		if _, err := c.CreateWebhook(ctx, webex.WebhookRequest{Name: fmt.Sprint(i), TargetURL: "http://127.0.0.1:1/", Resource: "all", Event: "all"}); err != nil {
			t.Fatal(err)
		}
	}
	resp, _ := getURL(t, ts.URL+"/v1/webhooks?max=2", s.Token())
	if link := resp.Header.Get("Link"); !strings.HasPrefix(link, "<"+ts.URL+"/v1/webhooks?") {
		t.Errorf("Link = %q, want it on the mounting server %s", link, ts.URL)
	}
	if hooks, err := c.Webhooks(ctx); err != nil || len(hooks) != 3 {
		t.Errorf("Webhooks = %d, %v", len(hooks), err)
	}
}

// getURL GETs an absolute URL with a token.
func getURL(t *testing.T, u, token string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}
