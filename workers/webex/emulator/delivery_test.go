package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
)

func TestDeliveryIsSignedWebexEnvelope(t *testing.T) {
	s := NewTest(t, Options{})
	tg := newTarget(t, http.StatusOK)
	const secret = "s3cret-for-signing"
	wh := addWebhook(t, s, webex.WebhookRequest{Name: "pipe", TargetURL: tg.URL + "/webhook", Resource: "messages", Event: "created", Secret: secret})

	m, err := s.PostAsUser(UserMessage{PersonEmail: "alice@example.com", Text: "the content stays out"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the delivery", func() bool { return len(tg.requests()) == 1 })
	got := tg.requests()[0]

	sig := got.header.Get(events.SignatureHeader)
	if !events.VerifySignature(got.body, sig, [][]byte{[]byte(secret)}) {
		t.Errorf("signature %q does not verify", sig)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	env, err := events.Decode(got.body)
	if err != nil {
		t.Fatalf("Decode: %v\n%s", err, got.body)
	}
	bot := s.Bot()
	want := events.Envelope{
		ID: wh.ID, Name: "pipe", TargetURL: tg.URL + "/webhook", Resource: "messages", Event: "created",
		OrgID: bot.OrgID, CreatedBy: bot.ID, AppID: wh.AppID, OwnedBy: "creator", Status: "active",
		Created: wh.Created, ActorID: m.PersonID,
	}
	env.RawData = nil
	wantData := events.Data{ID: m.ID, RoomID: m.RoomID, RoomType: "direct", PersonID: m.PersonID, PersonEmail: "alice@example.com", Created: m.Created}
	if gotData := env.Data; !equalData(gotData, wantData) {
		t.Errorf("data = %+v, want %+v", gotData, wantData)
	}
	env.Data = events.Data{}
	if !equalEnvelope(*env, want) {
		t.Errorf("envelope = %+v, want %+v", *env, want)
	}
	if strings.Contains(string(got.body), "the content stays out") || strings.Contains(string(got.body), secret) {
		t.Errorf("delivery carries content or the secret: %s", got.body)
	}

	// The target got the request before the emulator read its answer and
	// recorded the delivery.
	waitFor(t, "the delivery's record", func() bool { return len(s.Deliveries()) == 1 })
	ds := s.Deliveries()
	if len(ds) != 1 || ds[0].WebhookID != wh.ID || string(ds[0].Body) != string(got.body) || ds[0].Signature != sig ||
		ds[0].Status != http.StatusOK || ds[0].Err != "" || !ds[0].OK() {
		t.Errorf("Deliveries = %+v", ds)
	}
}

func equalData(a, b events.Data) bool {
	return slices.Equal(a.MentionedPeople, b.MentionedPeople) && slices.Equal(a.Files, b.Files) &&
		a.ID == b.ID && a.RoomID == b.RoomID && a.RoomType == b.RoomType && a.PersonID == b.PersonID &&
		a.PersonEmail == b.PersonEmail && a.Created == b.Created && a.ParentID == b.ParentID &&
		a.MessageID == b.MessageID && a.Type == b.Type
}

func equalEnvelope(a, b events.Envelope) bool {
	a.RawData, b.RawData = nil, nil
	a.Data, b.Data = events.Data{}, events.Data{}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestDeliveryWithoutSecretIsUnsigned(t *testing.T) {
	s := NewTest(t, Options{})
	tg := newTarget(t, http.StatusOK)
	addWebhook(t, s, webex.WebhookRequest{TargetURL: tg.URL, Resource: "messages", Event: "created"})
	if _, err := s.PostAsUser(UserMessage{Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the delivery", func() bool { return len(tg.requests()) == 1 })
	if sig, ok := tg.requests()[0].header[http.CanonicalHeaderKey(events.SignatureHeader)]; ok {
		t.Errorf("unsigned webhook sent a signature %q", sig)
	}
}

// TestWhatTheBotSees checks which messages reach the bot's webhook: all in
// direct rooms, its own everywhere, and in group rooms only mentions.
func TestWhatTheBotSees(t *testing.T) {
	type post func(t *testing.T, s *Server) webex.Message
	user := func(um UserMessage) post {
		return func(t *testing.T, s *Server) webex.Message {
			m, err := s.PostAsUser(um)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	bot := func(room UserMessage) post {
		return func(t *testing.T, s *Server) webex.Message {
			in := user(room)(t, s)
			m, err := client(t, s).SendMessage(testContext(t), &webex.MessageRequest{RoomID: in.RoomID, Text: "from the bot"})
			if err != nil {
				t.Fatal(err)
			}
			return *m
		}
	}
	tests := []struct {
		name      string
		post      post
		delivered int // deliveries in total, setup messages included
	}{
		{"direct message", user(UserMessage{Text: "hi"}), 1},
		{"group without mention", user(UserMessage{RoomID: "g", RoomType: "group", Text: "chatter"}), 0},
		{"group with mention", user(UserMessage{RoomID: "g", RoomType: "group", Text: "hey", MentionBot: true}), 1},
		{"bot in a direct room", bot(UserMessage{Text: "hi"}), 2},
		{"bot in a group room", bot(UserMessage{RoomID: "g", RoomType: "group", Text: "unseen"}), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewTest(t, Options{})
			tg := newTarget(t, http.StatusOK)
			addWebhook(t, s, webex.WebhookRequest{TargetURL: tg.URL, Resource: "messages", Event: "created"})
			last := tt.post(t, s)
			settle(t, s)
			got := tg.requests()
			if len(got) != tt.delivered {
				t.Fatalf("%d deliveries, want %d", len(got), tt.delivered)
			}
			if tt.delivered == 0 {
				return
			}
			// Deliveries run concurrently: find the last message's among
			// them rather than trusting arrival order.
			var env *events.Envelope
			for _, r := range got {
				e, err := events.Decode(r.body)
				if err != nil {
					t.Fatal(err)
				}
				if e.Data.ID == last.ID {
					env = e
				}
			}
			if env == nil {
				t.Fatalf("no delivery for message %s", last.ID)
			}
			if env.Data.PersonID != last.PersonID || env.ActorID != last.PersonID {
				t.Errorf("delivery of %s is %+v, want it by %s", last.ID, env.Data, last.PersonID)
			}
			if len(last.MentionedPeople) > 0 && !slices.Equal(env.Data.MentionedPeople, last.MentionedPeople) {
				t.Errorf("mentionedPeople = %v, want %v", env.Data.MentionedPeople, last.MentionedPeople)
			}
		})
	}
}

func TestThreadReplyCarriesParentID(t *testing.T) {
	s := NewTest(t, Options{})
	tg := newTarget(t, http.StatusOK)
	addWebhook(t, s, webex.WebhookRequest{TargetURL: tg.URL, Resource: "messages", Event: "created"})
	root, err := s.PostAsUser(UserMessage{Text: "root"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := s.PostAsUser(UserMessage{Text: "reply", ParentID: root.ID})
	if err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	for _, r := range tg.requests() {
		env, err := events.Decode(r.body)
		if err != nil {
			t.Fatal(err)
		}
		if env.Data.ID == reply.ID && env.Data.ParentID != root.ID {
			t.Errorf("reply delivered with parentId %q, want %q", env.Data.ParentID, root.ID)
		}
		if env.Data.ID == root.ID && strings.Contains(string(r.body), "parentId") {
			t.Errorf("root delivered with a parentId: %s", r.body)
		}
	}
}

func TestWebhookMatching(t *testing.T) {
	tests := []struct {
		name            string
		resource, event string
		filter          string // "{bot}" is replaced by the bot's id
		msg             UserMessage
		byBot           bool // the bot posts into msg's room afterwards; only its message counts
		want            bool
	}{
		{"firehose", "all", "all", "", UserMessage{Text: "x"}, false, true},
		{"resource all", "all", "created", "", UserMessage{Text: "x"}, false, true},
		{"event all", "messages", "all", "", UserMessage{Text: "x"}, false, true},
		{"other event", "messages", "deleted", "", UserMessage{Text: "x"}, false, false},
		{"other resource", "attachmentActions", "created", "", UserMessage{Text: "x"}, false, false},
		{"roomId matches", "messages", "created", "roomId=r1", UserMessage{RoomID: "r1", Text: "x"}, false, true},
		{"roomId differs", "messages", "created", "roomId=r2", UserMessage{RoomID: "r1", Text: "x"}, false, false},
		{"roomType direct", "messages", "created", "roomType=direct", UserMessage{Text: "x"}, false, true},
		{"roomType group", "messages", "created", "roomType=group", UserMessage{Text: "x"}, false, false},
		{"roomType group mention", "messages", "created", "roomType=group", UserMessage{RoomID: "g", RoomType: "group", Text: "x", MentionBot: true}, false, true},
		{"personEmail encoded", "messages", "created", "personEmail=alice%40example.com", UserMessage{PersonEmail: "alice@example.com", Text: "x"}, false, true},
		{"personEmail case", "messages", "created", "personEmail=Alice@Example.com", UserMessage{PersonEmail: "alice@example.com", Text: "x"}, false, true},
		{"personEmail differs", "messages", "created", "personEmail=bob@example.com", UserMessage{PersonEmail: "alice@example.com", Text: "x"}, false, false},
		{"personId of the bot", "messages", "created", "personId={bot}", UserMessage{Text: "x"}, true, true},
		{"mentionedPeople=me with mention", "messages", "created", "mentionedPeople=me", UserMessage{Text: "x", MentionBot: true}, false, true},
		{"mentionedPeople=me without", "messages", "created", "mentionedPeople=me", UserMessage{Text: "x"}, false, false},
		{"mentionedPeople by id", "messages", "created", "mentionedPeople={bot}", UserMessage{Text: "x", MentionBot: true}, false, true},
		{"joined, all match", "messages", "created", "roomType=direct&personEmail=alice%40example.com", UserMessage{PersonEmail: "alice@example.com", Text: "x"}, false, true},
		{"joined, one differs", "messages", "created", "roomType=direct&personEmail=bob%40example.com", UserMessage{PersonEmail: "alice@example.com", Text: "x"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewTest(t, Options{})
			tg := newTarget(t, http.StatusOK)
			addWebhook(t, s, webex.WebhookRequest{TargetURL: tg.URL, Resource: tt.resource, Event: tt.event,
				Filter: strings.ReplaceAll(tt.filter, "{bot}", s.Bot().ID)})
			m, err := s.PostAsUser(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			settle(t, s)
			before := len(tg.requests())
			if tt.byBot {
				if _, err := client(t, s).SendMessage(testContext(t), &webex.MessageRequest{RoomID: m.RoomID, Text: "bot"}); err != nil {
					t.Fatal(err)
				}
				settle(t, s)
			}
			got := len(tg.requests()) > before
			if !tt.byBot {
				got = before > 0
			}
			if got != tt.want {
				t.Errorf("delivered = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUnsupportedFilterIsRefused(t *testing.T) {
	s := NewTest(t, Options{})
	_, err := client(t, s).CreateWebhook(testContext(t), webex.WebhookRequest{
		Name: "n", TargetURL: "http://127.0.0.1:1/", Resource: "messages", Event: "created", Filter: "hasFiles=true",
	})
	var ae *webex.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest || !strings.Contains(ae.Message, "hasFiles") {
		t.Errorf("error = %v, want 400 naming the key", err)
	}
}

func TestDisabledAfter100FailuresInFiveMinutes(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)}
	s := NewTest(t, Options{Now: clock.Now})
	c := client(t, s)
	ctx := testContext(t)
	tg := newTarget(t, http.StatusInternalServerError)
	wh := addWebhook(t, s, webex.WebhookRequest{TargetURL: tg.URL, Resource: "messages", Event: "created"})
	status := func() string {
		t.Helper()
		w, err := c.Webhook(ctx, wh.ID)
		if err != nil {
			t.Fatal(err)
		}
		return w.Status
	}
	post := func(n int) {
		t.Helper()
		for range n {
			if _, err := s.PostAsUser(UserMessage{Text: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		settle(t, s)
	}

	post(99)
	if got := status(); got != "active" {
		t.Fatalf("after 99 failures status = %q, want active", got)
	}
	clock.Advance(4 * time.Minute) // still inside the window
	post(1)
	if got := status(); got != "disabled" {
		t.Fatalf("after 100 failures status = %q, want disabled", got)
	}
	if n := len(tg.requests()); n != 100 {
		t.Fatalf("target got %d deliveries, want 100", n)
	}

	post(1)
	if n := len(tg.requests()); n != 100 {
		t.Errorf("a disabled webhook got a delivery (%d)", n)
	}

	// Re-enabled within five minutes: the old failures still count.
	if _, err := c.UpdateWebhook(ctx, wh.ID, webex.WebhookUpdate{Name: wh.Name, TargetURL: wh.TargetURL, Status: "active"}); err != nil {
		t.Fatal(err)
	}
	post(1)
	if got := status(); got != "disabled" {
		t.Errorf("re-enabled webhook after one more failure: status %q, want disabled again", got)
	}

	// Later, the window has moved on: one failure is not enough.
	clock.Advance(6 * time.Minute)
	if _, err := c.UpdateWebhook(ctx, wh.ID, webex.WebhookUpdate{Name: wh.Name, TargetURL: wh.TargetURL, Status: "active"}); err != nil {
		t.Fatal(err)
	}
	post(1)
	if got := status(); got != "active" {
		t.Errorf("one failure after the window: status %q, want active", got)
	}
	if n := len(s.Deliveries()); n != 102 {
		t.Errorf("%d deliveries recorded, want 102 (never retried)", n)
	}
}

func TestUnreachableTargetIsAFailure(t *testing.T) {
	s := NewTest(t, Options{DeliveryTimeout: time.Second})
	tg := newTarget(t, http.StatusOK)
	dead := tg.URL
	tg.Close()
	addWebhook(t, s, webex.WebhookRequest{TargetURL: dead, Resource: "messages", Event: "created"})
	if _, err := s.PostAsUser(UserMessage{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	ds := s.Deliveries()
	if len(ds) != 1 || ds[0].Status != 0 || ds[0].Err == "" || ds[0].OK() {
		t.Errorf("Deliveries = %+v, want one failed attempt with an error", ds)
	}
}

func TestRedeliverSendsTheSameBytes(t *testing.T) {
	s := NewTest(t, Options{})
	tg := newTarget(t, http.StatusOK)
	addWebhook(t, s, webex.WebhookRequest{TargetURL: tg.URL, Resource: "messages", Event: "created", Secret: "k"})
	if _, err := s.PostAsUser(UserMessage{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	if err := s.Redeliver(0); err != nil {
		t.Fatalf("Redeliver: %v", err)
	}
	got := tg.requests()
	if len(got) != 2 || string(got[0].body) != string(got[1].body) ||
		got[0].header.Get(events.SignatureHeader) != got[1].header.Get(events.SignatureHeader) {
		t.Fatalf("redelivery differs from the original: %d requests", len(got))
	}
	if n := len(s.Deliveries()); n != 2 {
		t.Errorf("%d deliveries recorded, want 2", n)
	}
	if err := s.Redeliver(7); !errors.Is(err, ErrNoDelivery) {
		t.Errorf("Redeliver(7) = %v, want ErrNoDelivery", err)
	}
	tg.status.Store(http.StatusServiceUnavailable)
	if err := s.Redeliver(0); err == nil {
		t.Error("Redeliver to a failing target reported success")
	}
}

func TestMessageDeletedAndAttachmentActionDelivered(t *testing.T) {
	s := NewTest(t, Options{})
	c := client(t, s)
	ctx := testContext(t)
	tg := newTarget(t, http.StatusOK)
	addWebhook(t, s, webex.WebhookRequest{TargetURL: tg.URL, Resource: "messages", Event: "deleted"})
	addWebhook(t, s, webex.WebhookRequest{TargetURL: tg.URL, Resource: "attachmentActions", Event: "created"})

	in, err := s.PostAsUser(UserMessage{Text: "card?"})
	if err != nil {
		t.Fatal(err)
	}
	card, err := c.SendMessage(ctx, &webex.MessageRequest{RoomID: in.RoomID, Text: "card", Attachments: []webex.Attachment{{
		ContentType: webex.AdaptiveCardContentType, Content: json.RawMessage(`{"type":"AdaptiveCard","version":"1.3"}`),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	action := s.AddAttachmentAction(webex.AttachmentAction{MessageID: card.ID, Inputs: map[string]any{"secretInput": "typed by the user"}})
	if err := c.DeleteMessage(ctx, card.ID); err != nil {
		t.Fatal(err)
	}
	settle(t, s)

	got := map[string]*events.Envelope{}
	for _, r := range tg.requests() {
		env, err := events.Decode(r.body)
		if err != nil {
			t.Fatal(err)
		}
		got[env.Resource+"/"+env.Event] = env
		if strings.Contains(string(r.body), "typed by the user") {
			t.Errorf("a delivery carries card inputs: %s", r.body)
		}
	}
	if len(got) != 2 {
		t.Fatalf("deliveries for %v, want messages/deleted and attachmentActions/created", got)
	}
	if d := got["messages/deleted"].Data; d.ID != card.ID || d.RoomID != in.RoomID {
		t.Errorf("messages/deleted data = %+v", d)
	}
	want := events.Data{ID: action.ID, Type: "submit", MessageID: card.ID, PersonID: in.PersonID, RoomID: in.RoomID, Created: action.Created}
	if d := got["attachmentActions/created"].Data; !equalData(d, want) {
		t.Errorf("attachmentActions/created data = %+v, want %+v", d, want)
	}
}

func TestCloseWaitsForDeliveries(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	tg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
	}))
	t.Cleanup(tg.Close)
	s := New(Options{})
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	addWebhook(t, s, webex.WebhookRequest{TargetURL: tg.URL, Resource: "messages", Event: "created"})
	if _, err := s.PostAsUser(UserMessage{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	<-arrived

	closed := make(chan error)
	go func() { closed <- s.Close() }()
	close(release)
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if ds := s.Deliveries(); len(ds) != 1 || ds[0].Status != http.StatusOK {
		t.Fatalf("after Close, Deliveries = %+v: Close did not wait for the delivery", ds)
	}

	if _, err := s.PostAsUser(UserMessage{Text: "after close"}); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Deliveries()); n != 1 || s.pending() != 0 {
		t.Errorf("a delivery started after Close")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Start("127.0.0.1:0"); err == nil {
		t.Error("Start after Close succeeded")
	}
}
