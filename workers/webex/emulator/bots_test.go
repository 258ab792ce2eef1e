package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// twoBots is an emulator serving the first bot and "sales".
func twoBots(t *testing.T, opts Options) *Server {
	t.Helper()
	opts.Bots = append(opts.Bots, BotSpec{ID: "sales", DisplayName: "Sales Bot"})
	return NewTest(t, opts)
}

// botClient returns a webex client acting as the bot with the short id.
func botClient(t *testing.T, s *Server, id string) *webex.Client {
	t.Helper()
	b, ok := s.BotByID(id)
	if !ok {
		t.Fatalf("no bot %q", id)
	}
	c, err := webex.New(webex.Config{BaseURL: s.URL(), Token: b.Token, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func statusOf(err error) int {
	var ae *webex.APIError
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}

func TestBotsDefaults(t *testing.T) {
	s := twoBots(t, Options{})
	bots := s.Bots()
	if len(bots) != 2 {
		t.Fatalf("Bots = %+v", bots)
	}
	first, sales := bots[0], bots[1]
	if first.ID != DefaultBotID || first.Token != DefaultToken || first.Person.Emails[0] != DefaultBotEmail ||
		first.Person.DisplayName != DefaultBotName || first.Person.ID != s.Bot().ID || s.Token() != DefaultToken {
		t.Errorf("first bot = %+v, want the single-bot defaults", first)
	}
	if sales.ID != "sales" || sales.Token != DefaultToken+"-sales" || sales.Person.Emails[0] != "sales@webex.bot" ||
		sales.Person.DisplayName != "Sales Bot" || sales.Person.Type != "bot" || sales.Person.OrgID != first.Person.OrgID ||
		sales.Person.ID == first.Person.ID {
		t.Errorf("sales bot = %+v", sales)
	}
	var got items[BotInfo]
	resp, body := call(t, s, "GET", "/_sim/bots", "", "", "")
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &got) != nil || len(got.Items) != 2 || got.Items[1].Person.ID != sales.Person.ID {
		t.Errorf("GET /_sim/bots: %d %s", resp.StatusCode, body)
	}
	// The users are everyone but the bots.
	if _, err := s.PostAsUser(UserMessage{Bot: "sales", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if us := s.Users(); len(us) != 1 || us[0].Emails[0] != DefaultUserEmail {
		t.Errorf("Users = %+v", us)
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		ok   bool
	}{
		{"one bot", Options{}, true},
		{"two bots", Options{Bots: []BotSpec{{ID: "sales"}}}, true},
		{"named first bot", Options{BotID: "echo", Bots: []BotSpec{{ID: "sales"}}}, true},
		{"id taken by the first", Options{Bots: []BotSpec{{ID: DefaultBotID}}}, false},
		{"id twice", Options{Bots: []BotSpec{{ID: "a"}, {ID: "a"}}}, false},
		{"bad id", Options{Bots: []BotSpec{{ID: "Sales Team"}}}, false},
		{"id a registry refuses", Options{Bots: []BotSpec{{ID: "sales-team"}}}, false},
		{"id with a digit first", Options{Bots: []BotSpec{{ID: "7sales"}}}, false},
		{"id with '_'", Options{Bots: []BotSpec{{ID: "sales_team"}}}, true},
		{"empty id", Options{Bots: []BotSpec{{}}}, false},
		{"shared token", Options{Token: "t", Bots: []BotSpec{{ID: "a", Token: "t"}}}, false},
		{"shared email", Options{Bots: []BotSpec{{ID: "a", Email: DefaultBotEmail}}}, false},
		{"email without @", Options{Bots: []BotSpec{{ID: "a", Email: "nobody"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			if (err == nil) != tt.ok || err != nil && !errors.Is(err, ErrInvalidBots) {
				t.Errorf("Validate = %v, want ok %v", err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), `"t"`) {
				t.Errorf("the error shows a token: %v", err)
			}
		})
	}
}

func TestEachTokenIsItsOwnBot(t *testing.T) {
	s := twoBots(t, Options{})
	ctx := testContext(t)
	first, sales := botClient(t, s, DefaultBotID), botClient(t, s, "sales")

	for id, c := range map[string]*webex.Client{DefaultBotID: first, "sales": sales} {
		want, _ := s.BotByID(id)
		me, err := c.Me(ctx)
		if err != nil || me.ID != want.Person.ID || me.DisplayName != want.Person.DisplayName {
			t.Errorf("%s: people/me = %+v, %v; want %+v", id, me, err, want.Person)
		}
	}

	tg := newTarget(t, http.StatusOK)
	whFirst, err := first.CreateWebhook(ctx, webex.WebhookRequest{Name: "first", TargetURL: tg.URL, Resource: "messages", Event: "created", Secret: "first-secret"})
	if err != nil {
		t.Fatal(err)
	}
	whSales, err := sales.CreateWebhook(ctx, webex.WebhookRequest{Name: "sales", TargetURL: tg.URL, Resource: "messages", Event: "created", Secret: "sales-secret"})
	if err != nil {
		t.Fatal(err)
	}
	if salesBot, _ := s.BotByID("sales"); whSales.CreatedBy != salesBot.Person.ID || whFirst.CreatedBy != s.Bot().ID {
		t.Errorf("createdBy: first %s, sales %s", whFirst.CreatedBy, whSales.CreatedBy)
	}
	for _, tt := range []struct {
		name string
		c    *webex.Client
		own  string
		not  string
	}{
		{"first", first, whFirst.ID, whSales.ID},
		{"sales", sales, whSales.ID, whFirst.ID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			list, err := tt.c.Webhooks(ctx)
			if err != nil || len(list) != 1 || list[0].ID != tt.own {
				t.Errorf("Webhooks = %+v, %v; want only %s", list, err, tt.own)
			}
			if _, err := tt.c.Webhook(ctx, tt.not); statusOf(err) != http.StatusNotFound {
				t.Errorf("get the other bot's webhook: %v, want 404", err)
			}
			if _, err := tt.c.UpdateWebhook(ctx, tt.not, webex.WebhookUpdate{Name: "x", TargetURL: tg.URL}); statusOf(err) != http.StatusNotFound {
				t.Errorf("update the other bot's webhook: %v, want 404", err)
			}
			if err := tt.c.DeleteWebhook(ctx, tt.not); statusOf(err) != http.StatusNotFound {
				t.Errorf("delete the other bot's webhook: %v, want 404", err)
			}
		})
	}
	// Both webhooks are still there.
	if l, _ := first.Webhooks(ctx); len(l) != 1 {
		t.Errorf("first's webhooks after the other's attempts: %+v", l)
	}
	if l, _ := sales.Webhooks(ctx); len(l) != 1 {
		t.Errorf("sales's webhooks after the other's attempts: %+v", l)
	}

	// Rooms: each bot sees its direct room with the user, not the other's.
	mFirst, _ := s.PostAsUser(UserMessage{Text: "to the first"})
	mSales, _ := s.PostAsUser(UserMessage{Bot: "sales", Text: "to sales"})
	if mFirst.RoomID == mSales.RoomID {
		t.Fatal("one direct room for two bots")
	}
	rooms, err := sales.Rooms(ctx, webex.ListRoomsParams{})
	if err != nil || len(rooms) != 1 || rooms[0].ID != mSales.RoomID {
		t.Errorf("sales's rooms = %+v, %v", rooms, err)
	}
	if _, err := sales.Message(ctx, mFirst.ID); statusOf(err) != http.StatusNotFound {
		t.Errorf("sales reads the first bot's message: %v, want 404", err)
	}
	if _, err := sales.SendMessage(ctx, &webex.MessageRequest{RoomID: mFirst.RoomID, Text: "x"}); statusOf(err) != http.StatusNotFound {
		t.Errorf("sales posts in the first bot's room: %v, want 404", err)
	}

	// Replies are the bot's: posted with its token, found by its id.
	reply, err := sales.SendMessage(ctx, &webex.MessageRequest{ToPersonEmail: DefaultUserEmail, Text: "sales here"})
	if err != nil {
		t.Fatal(err)
	}
	salesBot, _ := s.BotByID("sales")
	if reply.RoomID != mSales.RoomID || reply.PersonID != salesBot.Person.ID {
		t.Errorf("sales's reply %+v: not in its direct room or not by it", reply)
	}
	if got := s.MessagesOf("sales", mSales.RoomID); len(got) != 1 || got[0].ID != reply.ID {
		t.Errorf("MessagesOf(sales) = %+v", got)
	}
	if got := s.BotMessages(mSales.RoomID); len(got) != 0 {
		t.Errorf("BotMessages (the first bot) = %+v", got)
	}
	resp, body := call(t, s, "GET", "/_sim/rooms/"+mSales.RoomID+"/messages?bot=sales", "", "", "")
	var page items[webex.Message]
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &page) != nil || len(page.Items) != 1 || page.Items[0].ID != reply.ID {
		t.Errorf("GET messages?bot=sales: %d %s", resp.StatusCode, body)
	}
	if resp, _ := call(t, s, "GET", "/_sim/rooms/"+mSales.RoomID+"/messages?bot=nobody", "", "", ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET messages?bot=nobody: %d, want 400", resp.StatusCode)
	}
	if err := first.DeleteMessage(ctx, reply.ID); statusOf(err) != http.StatusNotFound {
		t.Errorf("the first bot deletes sales's message: %v, want 404", err)
	}
	if err := sales.DeleteMessage(ctx, reply.ID); err != nil {
		t.Errorf("sales deletes its own message: %v", err)
	}
}

// deliveredTo counts, per bot, the deliveries recorded so far.
func deliveredTo(s *Server) map[string]int {
	out := map[string]int{}
	for _, d := range s.Deliveries() {
		out[d.Bot]++
	}
	return out
}

func TestDeliveriesGoToTheBotsConcerned(t *testing.T) {
	s := twoBots(t, Options{})
	ctx := testContext(t)
	tg := newTarget(t, http.StatusOK)
	secrets := map[string]string{DefaultBotID: "first-secret", "sales": "sales-secret"}
	hooks := map[string]string{} // webhook id → bot
	for id, secret := range secrets {
		wh, err := botClient(t, s, id).CreateWebhook(ctx, webex.WebhookRequest{
			Name: id, TargetURL: tg.URL + "/" + id, Resource: "all", Event: "all", Secret: secret,
		})
		if err != nil {
			t.Fatal(err)
		}
		hooks[wh.ID] = id
	}
	salesBot, _ := s.BotByID("sales")

	tests := []struct {
		name string
		do   func(t *testing.T)
		want []string // the bots whose webhook gets the event, sorted
	}{
		{"direct message to sales", func(t *testing.T) {
			if _, err := s.PostAsUser(UserMessage{Bot: "sales", Text: "hello"}); err != nil {
				t.Fatal(err)
			}
		}, []string{"sales"}},
		{"direct message to the first bot", func(t *testing.T) {
			if _, err := s.PostAsUser(UserMessage{Text: "hello"}); err != nil {
				t.Fatal(err)
			}
		}, []string{DefaultBotID}},
		{"group room mentioning both", func(t *testing.T) {
			m, err := s.PostAsUser(UserMessage{RoomID: "team", RoomType: "group", MentionBot: true, Mention: []string{"sales"}, Text: "hello both"})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(m.MentionedPeople, []string{s.Bot().ID, salesBot.Person.ID}) ||
				m.Text != DefaultBotName+" Sales Bot hello both" || strings.Count(m.HTML, "<spark-mention") != 2 {
				t.Errorf("message = %+v", m)
			}
		}, []string{DefaultBotID, "sales"}},
		{"group room mentioning sales only", func(t *testing.T) {
			if _, err := s.PostAsUser(UserMessage{RoomID: "team", Bot: "sales", MentionBot: true, Text: "only sales"}); err != nil {
				t.Fatal(err)
			}
		}, []string{"sales"}},
		{"group room mentioning nobody", func(t *testing.T) {
			if _, err := s.PostAsUser(UserMessage{RoomID: "team", Text: "chatter"}); err != nil {
				t.Fatal(err)
			}
		}, nil},
		{"someone joins the group room", func(t *testing.T) {
			if _, err := s.ChangeMembership(MembershipChange{RoomID: "team", PersonEmail: "erin@example.com"}); err != nil {
				t.Fatal(err)
			}
		}, []string{DefaultBotID, "sales"}},
		{"sales posts in the group room", func(t *testing.T) {
			if _, err := botClient(t, s, "sales").SendMessage(ctx, &webex.MessageRequest{RoomID: "team", Text: "sales speaking"}); err != nil {
				t.Fatal(err)
			}
		}, []string{"sales"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(s.Deliveries())
			tt.do(t)
			settle(t, s)
			var got []string
			for _, d := range s.Deliveries()[before:] {
				got = append(got, d.Bot)
				if hooks[d.WebhookID] != d.Bot {
					t.Errorf("delivery of webhook %s recorded for bot %s", d.WebhookID, d.Bot)
				}
				if !strings.HasSuffix(d.TargetURL, "/"+d.Bot) {
					t.Errorf("delivery for %s went to %s", d.Bot, d.TargetURL)
				}
				own := [][]byte{[]byte(secrets[d.Bot])}
				if !events.VerifySignature(d.Body, d.Signature, own) {
					t.Errorf("delivery for %s is not signed with its webhook's secret", d.Bot)
				}
				for id, secret := range secrets {
					if id != d.Bot && events.VerifySignature(d.Body, d.Signature, [][]byte{[]byte(secret)}) {
						t.Errorf("delivery for %s verifies with %s's secret", d.Bot, id)
					}
				}
				if !d.OK() {
					t.Errorf("delivery %+v failed", d)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("delivered to %v, want %v", got, tt.want)
			}
		})
	}

	// The target got what was recorded, signed as recorded.
	if n := len(tg.requests()); n != len(s.Deliveries()) {
		t.Errorf("target got %d requests, %d deliveries recorded", n, len(s.Deliveries()))
	}
	for _, r := range tg.requests() {
		var env events.Envelope
		if err := json.Unmarshal(r.body, &env); err != nil {
			t.Fatal(err)
		}
		bot := hooks[env.ID]
		if !events.VerifySignature(r.body, r.header.Get(events.SignatureHeader), [][]byte{[]byte(secrets[bot])}) {
			t.Errorf("a delivery for %s does not verify with its secret", bot)
		}
	}
}

func TestMentionFilterIsEachBotsOwn(t *testing.T) {
	s := twoBots(t, Options{})
	ctx := testContext(t)
	tg := newTarget(t, http.StatusOK)
	for _, id := range []string{DefaultBotID, "sales"} {
		if _, err := botClient(t, s, id).CreateWebhook(ctx, webex.WebhookRequest{
			Name: id, TargetURL: tg.URL, Resource: "messages", Event: "created", Filter: "mentionedPeople=me",
		}); err != nil {
			t.Fatal(err)
		}
	}
	// A group room with both bots; the message mentions sales only. Were
	// "me" the first bot for every webhook, sales would get nothing.
	if _, err := s.PostAsUser(UserMessage{RoomID: "team", RoomType: "group", Bot: "sales", Mention: []string{DefaultBotID}, Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PostAsUser(UserMessage{RoomID: "team", Bot: "sales", MentionBot: true, Text: "hi sales"}); err != nil {
		t.Fatal(err)
	}
	// sales's own message, not mentioning it: it sees it, its filter does not want it.
	if _, err := botClient(t, s, "sales").SendMessage(ctx, &webex.MessageRequest{RoomID: "team", Text: "sales here"}); err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	if got := deliveredTo(s); got["sales"] != 1 || got[DefaultBotID] != 1 {
		t.Errorf("deliveries = %v, want one for each bot", got)
	}
}

func TestBotJoinsAGroupRoom(t *testing.T) {
	s := twoBots(t, Options{})
	ctx := testContext(t)
	tg := newTarget(t, http.StatusOK)
	if _, err := botClient(t, s, "sales").CreateWebhook(ctx, webex.WebhookRequest{Name: "s", TargetURL: tg.URL, Resource: "all", Event: "all"}); err != nil {
		t.Fatal(err)
	}
	rm, err := s.CreateRoom(NewRoom{Title: "Team"})
	if err != nil || !slices.Equal(rm.Bots, []string{DefaultBotID}) {
		t.Fatalf("CreateRoom = %+v, %v", rm, err)
	}
	if _, err := s.PostAsUser(UserMessage{RoomID: rm.ID, Mention: []string{"sales"}, Text: "hi"}); err == nil {
		t.Fatal("mentioned sales before it joined")
	}
	if _, err := s.ChangeMembership(MembershipChange{RoomID: rm.ID, PersonEmail: "sales@webex.bot"}); err != nil {
		t.Fatal(err)
	}
	if rooms, _ := botClient(t, s, "sales").Rooms(ctx, webex.ListRoomsParams{Type: "group"}); len(rooms) != 1 || rooms[0].ID != rm.ID {
		t.Errorf("sales's group rooms after joining = %+v", rooms)
	}
	if _, err := s.PostAsUser(UserMessage{RoomID: rm.ID, Bot: "sales", MentionBot: true, Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChangeMembership(MembershipChange{RoomID: rm.ID, PersonEmail: "sales@webex.bot", Event: "deleted"}); err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	var got []string
	for _, d := range s.Deliveries() {
		var env events.Envelope
		_ = json.Unmarshal(d.Body, &env)
		got = append(got, env.Resource+"/"+env.Event)
	}
	// Deliveries run concurrently and are listed as they finish: compare
	// what arrived, not in which order.
	want := []string{"memberships/created", "memberships/deleted", "messages/created"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("sales got %v, want %v", got, want)
	}
	if rooms, _ := botClient(t, s, "sales").Rooms(ctx, webex.ListRoomsParams{Type: "group"}); len(rooms) != 0 {
		t.Errorf("sales's group rooms after leaving = %+v", rooms)
	}
}

func TestCardSubmissionGoesToTheCardsBot(t *testing.T) {
	s := twoBots(t, Options{})
	ctx := testContext(t)
	tg := newTarget(t, http.StatusOK)
	for _, id := range []string{DefaultBotID, "sales"} {
		if _, err := botClient(t, s, id).CreateWebhook(ctx, webex.WebhookRequest{Name: id, TargetURL: tg.URL, Resource: "attachmentActions", Event: "created"}); err != nil {
			t.Fatal(err)
		}
	}
	card, err := botClient(t, s, "sales").SendMessage(ctx, &webex.MessageRequest{
		ToPersonEmail: DefaultUserEmail, Text: "a card",
		Attachments: []webex.Attachment{{ContentType: webex.AdaptiveCardContentType, Content: json.RawMessage(`{"type":"AdaptiveCard"}`)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.SubmitCard(CardSubmit{MessageID: card.ID, Inputs: map[string]any{"name": "Ana"}})
	if err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	if got := deliveredTo(s); got["sales"] != 1 || got[DefaultBotID] != 0 {
		t.Errorf("deliveries = %v, want one for sales", got)
	}
	if got, err := botClient(t, s, "sales").AttachmentAction(ctx, a.ID); err != nil || got.Inputs["name"] != "Ana" {
		t.Errorf("sales reads the submission: %+v, %v", got, err)
	}
	if _, err := botClient(t, s, DefaultBotID).AttachmentAction(ctx, a.ID); statusOf(err) != http.StatusNotFound {
		t.Errorf("the first bot reads sales's submission: %v, want 404", err)
	}
	if _, err := s.SubmitCard(CardSubmit{MessageID: card.ID, PersonEmail: "sales@webex.bot"}); !errors.Is(err, ErrCannotSubmit) {
		t.Errorf("a bot submits a card: %v, want ErrCannotSubmit", err)
	}
}

func TestFaultForOneBot(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	s := twoBots(t, Options{Now: clock.Now})
	ctx := testContext(t)
	first, sales := botClient(t, s, DefaultBotID), botClient(t, s, "sales")

	resp, body := call(t, s, "POST", "/_sim/faults", "", "application/json", `{"status":429,"retryAfter":"60","bot":"sales","for":"1m"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /_sim/faults: %d %s", resp.StatusCode, body)
	}
	for i := range 3 {
		if _, err := sales.Me(ctx); statusOf(err) != http.StatusTooManyRequests {
			t.Errorf("sales call %d: %v, want 429", i, err)
		}
		if _, err := first.Me(ctx); err != nil {
			t.Errorf("first bot call %d: %v, want 200", i, err)
		}
	}
	var byBot = map[string][]int{}
	for _, c := range s.Calls() {
		byBot[c.Bot] = append(byBot[c.Bot], c.Status)
	}
	if !slices.Equal(byBot["sales"], []int{429, 429, 429}) || !slices.Equal(byBot[DefaultBotID], []int{200, 200, 200}) {
		t.Errorf("calls by bot = %v", byBot)
	}
	if fs := s.Faults(); len(fs) != 1 || fs[0].Bot != "sales" || fs[0].For != time.Minute {
		t.Errorf("Faults = %+v", fs)
	}

	clock.Advance(59 * time.Second)
	if _, err := sales.Me(ctx); statusOf(err) != http.StatusTooManyRequests {
		t.Errorf("sales 59s in: %v, want 429", err)
	}
	if fs := s.Faults(); len(fs) != 1 || fs[0].For != time.Second {
		t.Errorf("Faults 59s in = %+v", fs)
	}
	clock.Advance(time.Second)
	if _, err := sales.Me(ctx); err != nil {
		t.Errorf("sales after the minute: %v, want 200", err)
	}
	if fs := s.Faults(); len(fs) != 0 {
		t.Errorf("Faults after the minute = %+v", fs)
	}

	// Times counts only the bot's calls.
	if err := s.InjectFault(Fault{Status: 429, Bot: "sales", Times: 2}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := first.Me(ctx); err != nil {
			t.Errorf("first bot: %v", err)
		}
	}
	for i, want := range []int{429, 429, 0} {
		if _, err := sales.Me(ctx); statusOf(err) != want {
			t.Errorf("sales call %d: %v, want status %d", i, err, want)
		}
	}

	// An unknown bot is refused, by the API and the control API.
	if err := s.InjectFault(Fault{Status: 429, Bot: "nobody"}); !errors.Is(err, ErrNoBot) {
		t.Errorf("InjectFault for an unknown bot: %v", err)
	}
	for _, body := range []string{`{"status":429,"bot":"nobody"}`, `{"status":429,"for":"soon"}`, `{"status":429,"for":-5}`} {
		if resp, b := call(t, s, "POST", "/_sim/faults", "", "application/json", body); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("POST /_sim/faults %s: %d %s, want 400", body, resp.StatusCode, b)
		}
	}
}

func TestLoadKeepsEveryBot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	opts := Options{Bots: []BotSpec{{ID: "sales"}}}
	s1, err := Load(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	wh, err := botClient(t, s1, "sales").CreateWebhook(ctx, webex.WebhookRequest{Name: "s", TargetURL: "http://127.0.0.1:1/", Resource: "all", Event: "all"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s1.PostAsUser(UserMessage{RoomID: "team", RoomType: "group", Bot: "sales", Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	before := s1.Bots()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := Load(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s2.Close() })
	if err := s2.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	after := s2.Bots()
	if len(after) != 2 || after[0].Person.ID != before[0].Person.ID || after[1].Person.ID != before[1].Person.ID {
		t.Errorf("bots after a restart = %+v, before %+v", after, before)
	}
	if l, err := botClient(t, s2, "sales").Webhooks(ctx); err != nil || len(l) != 1 || l[0].ID != wh.ID {
		t.Errorf("sales's webhooks after a restart = %+v, %v", l, err)
	}
	if l, err := botClient(t, s2, DefaultBotID).Webhooks(ctx); err != nil || len(l) != 0 {
		t.Errorf("the first bot's webhooks after a restart = %+v, %v", l, err)
	}
	rooms := s2.Rooms()
	if len(rooms) != 1 || rooms[0].ID != m.RoomID || !slices.Equal(rooms[0].Bots, []string{"sales"}) {
		t.Errorf("rooms after a restart = %+v", rooms)
	}
}

func TestPostAsUserRefusesBadBots(t *testing.T) {
	s := twoBots(t, Options{})
	tests := []struct {
		name  string
		um    UserMessage
		noBot bool // the error names the bots there are
	}{
		{"unknown bot", UserMessage{Bot: "nobody", Text: "x"}, true},
		{"unknown mention", UserMessage{RoomID: "g", RoomType: "group", Mention: []string{"nobody"}, Text: "x"}, true},
		{"empty mention", UserMessage{RoomID: "g", RoomType: "group", Mention: []string{""}, Text: "x"}, true},
		{"a bot as the author", UserMessage{PersonEmail: "sales@webex.bot", Text: "x"}, false},
		{"another bot mentioned in a direct room", UserMessage{Mention: []string{"sales"}, Text: "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.PostAsUser(tt.um)
			if !errors.Is(err, ErrInvalidMessage) {
				t.Errorf("PostAsUser = %v, want ErrInvalidMessage", err)
			}
			if tt.noBot && (!errors.Is(err, ErrNoBot) || !strings.Contains(err.Error(), "sales")) {
				t.Errorf("PostAsUser = %v, want ErrNoBot naming the bots", err)
			}
		})
	}
	// A bot given for an existing room must be in it.
	m, err := s.PostAsUser(UserMessage{Text: "to the first"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PostAsUser(UserMessage{RoomID: m.RoomID, Bot: "sales", Text: "x"}); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("posting to sales in the first bot's direct room: %v", err)
	}
}

// TestLoadStateOfOneBot reads a state file written before there were
// several bots (no "bots" anywhere): its rooms and webhooks are the first
// bot's, and an added bot starts with none.
func TestLoadStateOfOneBot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s1, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	wh := addWebhook(t, s1, webex.WebhookRequest{TargetURL: "http://127.0.0.1:1/", Resource: "all", Event: "all"})
	m, err := s1.PostAsUser(UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &raw) != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	delete(raw, "bots")
	for _, r := range raw["rooms"].([]any) {
		delete(r.(map[string]any), "bots")
	}
	if b, err = json.Marshal(raw); err != nil || os.WriteFile(path, b, 0o600) != nil {
		t.Fatal("rewrite the state file")
	}

	s2, err := Load(path, Options{Bots: []BotSpec{{ID: "sales"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s2.Close() })
	if err := s2.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	first := botClient(t, s2, DefaultBotID)
	if l, err := first.Webhooks(ctx); err != nil || len(l) != 1 || l[0].ID != wh.ID {
		t.Errorf("the first bot's webhooks = %+v, %v", l, err)
	}
	if rooms, err := first.Rooms(ctx, webex.ListRoomsParams{}); err != nil || len(rooms) != 1 || rooms[0].ID != m.RoomID {
		t.Errorf("the first bot's rooms = %+v, %v", rooms, err)
	}
	if l, err := botClient(t, s2, "sales").Webhooks(ctx); err != nil || len(l) != 0 {
		t.Errorf("sales's webhooks = %+v, %v", l, err)
	}
	// The user's next message goes to the same direct room.
	if m2, err := s2.PostAsUser(UserMessage{Text: "again"}); err != nil || m2.RoomID != m.RoomID {
		t.Errorf("after the restart the user writes to %s (%v), want %s", m2.RoomID, err, m.RoomID)
	}
}
