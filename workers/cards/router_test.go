package cards_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/cards"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/adaptive"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// fixture is a Router in front of the emulator, with a user and the demo
// card the bot sent them. Events are built by hand: these tests are about
// the router; pipeline_test.go runs it behind ingest and JetStream.
type fixture struct {
	t      *testing.T
	sim    *emulator.Server
	client *webex.Client
	reg    *prometheus.Registry
	router *cards.Router
	user   webex.Message // the user's message in their direct room
	card   webex.Message // the bot's demo card in that room
}

func newFixture(t *testing.T, routes cards.Routes, opts emulator.Options) *fixture {
	t.Helper()
	sim := emulator.NewTest(t, opts)
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token(), Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, sim: sim, client: client, reg: prometheus.NewRegistry()}
	f.router, err = cards.New(client, cards.Config{Routes: routes, RecheckAfter: 3 * time.Second, Metrics: f.reg})
	if err != nil {
		t.Fatal(err)
	}
	if f.user, err = sim.PostAsUser(emulator.UserMessage{Text: "card"}); err != nil {
		t.Fatal(err)
	}
	f.card = f.sendCard(webex.MessageRequest{RoomID: f.user.RoomID})
	return f
}

// sendCard has the bot send the demo card.
func (f *fixture) sendCard(req webex.MessageRequest) webex.Message {
	f.t.Helper()
	a, err := cards.DemoAttachment()
	if err != nil {
		f.t.Fatal(err)
	}
	req.Markdown = cards.DemoFallback
	if err := adaptive.Attach(&req, a); err != nil {
		f.t.Fatal(err)
	}
	m, err := f.client.SendMessage(context.Background(), &req)
	if err != nil {
		f.t.Fatal(err)
	}
	return *m
}

// submit has the user submit the card with inputs.
func (f *fixture) submit(card webex.Message, inputs map[string]any) webex.AttachmentAction {
	f.t.Helper()
	a, err := f.sim.SubmitCard(emulator.CardSubmit{MessageID: card.ID, Inputs: inputs})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// handle runs the router on the event announcing a, as delivery n.
func (f *fixture) handle(a webex.AttachmentAction, n uint64) error {
	ev := &workers.Event{
		Envelope: &events.Envelope{Resource: "attachmentActions", Event: "created", Data: events.Data{
			ID: a.ID, Type: a.Type, MessageID: a.MessageID, PersonID: a.PersonID, RoomID: a.RoomID, Created: a.Created,
		}},
		Delivered: n,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return f.router.Handle(ctx, ev)
}

// replies are the bot's messages in a thread.
func (f *fixture) replies(thread string) []webex.Message {
	var out []webex.Message
	for _, m := range f.sim.BotMessages(f.user.RoomID) {
		if m.ParentID == thread {
			out = append(out, m)
		}
	}
	return out
}

func TestRouterAnswersInTheCardsThread(t *testing.T) {
	vote := func(_ context.Context, s *cards.Submission) (cards.Reply, error) {
		return cards.Text("You voted for " + s.Input("choice") + "."), nil
	}
	followUp, err := adaptive.Card{Body: []adaptive.Element{adaptive.TextBlock{Text: "Next step"}}}.Attachment()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		inputs map[string]any
		want   string // in the one reply; "" for no reply
		card   bool   // the reply carries a card
	}{
		{name: "demo submission", inputs: map[string]any{"action": "demo", "name": "Ana", "guests": "2"}, want: "**How many people:** 2"},
		{name: "demo with the name missing", inputs: map[string]any{"action": "demo", "guests": "2"}, want: "**Your name** is missing"},
		{name: "registered handler", inputs: map[string]any{"action": "vote", "choice": "blue"}, want: "You voted for blue."},
		{name: "handler answering with a card", inputs: map[string]any{"action": "next"}, want: "next step", card: true},
		{name: "handler choosing silence", inputs: map[string]any{"action": "quiet"}},
		{name: "unknown action", inputs: map[string]any{"action": "launch"}, want: "I don't know what to do with that button yet (it asked for **launch**)"},
		{name: "no action", inputs: map[string]any{"name": "Ana"}, want: "that button isn't connected to anything"},
		{name: "action that is not text", inputs: map[string]any{"action": 7}, want: "isn't connected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			routes := cards.DefaultRoutes()
			routes["vote"] = cards.HandlerFunc(vote)
			routes["next"] = cards.HandlerFunc(func(context.Context, *cards.Submission) (cards.Reply, error) {
				return cards.Reply{Markdown: "next step", Card: &followUp}, nil
			})
			routes["quiet"] = cards.HandlerFunc(func(context.Context, *cards.Submission) (cards.Reply, error) { return cards.Reply{}, nil })
			f := newFixture(t, routes, emulator.Options{})
			if err := f.handle(f.submit(f.card, tt.inputs), 1); err != nil {
				t.Fatalf("Handle: %v", err)
			}
			replies := f.replies(f.card.ID)
			if tt.want == "" {
				if len(replies) != 0 {
					t.Fatalf("%d replies, want none", len(replies))
				}
				return
			}
			if len(replies) != 1 {
				t.Fatalf("%d replies in the card's thread, want 1", len(replies))
			}
			if !strings.Contains(replies[0].Markdown, tt.want) {
				t.Errorf("reply %q lacks %q", replies[0].Markdown, tt.want)
			}
			if got := len(replies[0].Attachments) == 1; got != tt.card {
				t.Errorf("reply has a card: %v, want %v", got, tt.card)
			}
		})
	}
}

func TestRouterIgnoresWhatIsNotItsCard(t *testing.T) {
	tests := []struct {
		name    string
		action  func(f *fixture) webex.AttachmentAction
		foreign float64 // counted as an action on someone else's card
	}{
		{name: "the bot's own action", action: func(f *fixture) webex.AttachmentAction {
			return f.sim.AddAttachmentAction(webex.AttachmentAction{MessageID: f.card.ID, PersonID: f.sim.Bot().ID})
		}},
		{name: "action on a user's message", foreign: 1, action: func(f *fixture) webex.AttachmentAction {
			return f.sim.AddAttachmentAction(webex.AttachmentAction{MessageID: f.user.ID, Inputs: map[string]any{"action": "demo"}})
		}},
		{name: "action on a bot message without a card", foreign: 1, action: func(f *fixture) webex.AttachmentAction {
			m, err := f.client.SendMessage(context.Background(), &webex.MessageRequest{RoomID: f.user.RoomID, Text: "no card"})
			if err != nil {
				f.t.Fatal(err)
			}
			return f.sim.AddAttachmentAction(webex.AttachmentAction{MessageID: m.ID, Inputs: map[string]any{"action": "demo"}})
		}},
		{name: "action without a message", foreign: 1, action: func(f *fixture) webex.AttachmentAction {
			return f.sim.AddAttachmentAction(webex.AttachmentAction{RoomID: f.user.RoomID, Inputs: map[string]any{"action": "demo"}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, emulator.Options{})
			a := tt.action(f)
			before := len(f.sim.RoomMessages(f.user.RoomID))
			err := f.handle(a, 1)
			if !workers.IsIgnored(err) {
				t.Fatalf("Handle = %v, want an ignored event", err)
			}
			if n := len(f.sim.RoomMessages(f.user.RoomID)); n != before {
				t.Errorf("the router posted %d messages", n-before)
			}
			if got := metricstest.Value(t, f.reg, "webexpipe_cards_foreign_submissions_total", nil); got != tt.foreign {
				t.Errorf("foreign submissions counted %g, want %g", got, tt.foreign)
			}
		})
	}
}

// errKind names what the runtime will do with a handler's error.
func errKind(err error) string {
	switch {
	case err == nil:
		return "ok"
	case workers.IsIgnored(err):
		return "ignored"
	case workers.IsPermanent(err):
		return "permanent"
	}
	if _, ok := workers.RetryDelay(err); ok {
		return "retry after"
	}
	return "retry"
}

func TestRouterWebexFailures(t *testing.T) {
	tests := []struct {
		name      string
		fault     emulator.Fault
		delivered uint64
		want      string        // errKind
		delay     time.Duration // for "retry after"
	}{
		{name: "who-am-I fails", fault: emulator.Fault{Path: "/people/me", Status: 503}, delivered: 1, want: "retry"},
		{name: "action not found yet", fault: emulator.Fault{Method: "GET", Path: "/attachment/actions/", Status: 404}, delivered: 1, want: "retry"},
		{name: "action still not found", fault: emulator.Fault{Method: "GET", Path: "/attachment/actions/", Status: 404}, delivered: 3, want: "permanent"},
		{name: "card message not found yet", fault: emulator.Fault{Method: "GET", Path: "/messages/", Status: 404}, delivered: 1, want: "retry"},
		{name: "action forbidden", fault: emulator.Fault{Method: "GET", Path: "/attachment/actions/", Status: 403}, delivered: 1, want: "permanent"},
		{name: "reply rate limited", fault: emulator.Fault{Method: "POST", Path: "/messages", Status: 429, RetryAfter: "7"}, delivered: 1, want: "retry after", delay: 7 * time.Second},
		{name: "reply 503", fault: emulator.Fault{Method: "POST", Path: "/messages", Status: 503}, delivered: 1, want: "retry"},
		{name: "reply refused", fault: emulator.Fault{Method: "POST", Path: "/messages", Status: 400}, delivered: 1, want: "permanent"},
		{name: "reply outcome unknown", fault: emulator.Fault{Method: "POST", Path: "/messages", Delay: 1500 * time.Millisecond}, delivered: 1,
			want: "retry after", delay: 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, emulator.Options{})
			a := f.submit(f.card, map[string]any{"action": "demo", "name": "Ana"})
			tt.fault.Times = 1
			f.sim.InjectFault(tt.fault)
			err := f.handle(a, tt.delivered)
			if got := errKind(err); got != tt.want {
				t.Fatalf("Handle = %v (%s), want %s", err, got, tt.want)
			}
			if d, _ := workers.RetryDelay(err); d != tt.delay {
				t.Errorf("retry delay %s, want %s", d, tt.delay)
			}
		})
	}
}

func TestRouterHandlerErrorsKeepTheirKind(t *testing.T) {
	errDown := errors.New("inventory down")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"plain error is retried", errDown, "retry"},
		{"permanent", workers.Permanent(errDown), "permanent"},
		{"retry after", workers.RetryAfter(errDown, time.Minute), "retry after"},
		{"ignore", workers.Ignore("not now"), "ignored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, cards.Routes{"order": cards.HandlerFunc(func(context.Context, *cards.Submission) (cards.Reply, error) {
				return cards.Reply{}, tt.err
			})}, emulator.Options{})
			err := f.handle(f.submit(f.card, map[string]any{"action": "order"}), 1)
			if got := errKind(err); got != tt.want || !errors.Is(err, errDown) && tt.want != "ignored" {
				t.Errorf("Handle = %v (%s), want %s wrapping the handler's error", err, got, tt.want)
			}
		})
	}
}

func TestRouterRedeliveryIsAnsweredOnce(t *testing.T) {
	// A strictly increasing clock: every emulator timestamp differs.
	var tick atomic.Int64
	base := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	f := newFixture(t, nil, emulator.Options{Now: func() time.Time {
		return base.Add(time.Duration(tick.Add(1)) * time.Millisecond)
	}})
	inputs := map[string]any{"action": "demo", "name": "Ana"}
	first := f.submit(f.card, inputs)
	if err := f.handle(first, 1); err != nil {
		t.Fatal(err)
	}
	// The marker was lost: the same event comes again.
	if err := f.handle(first, 2); err != nil {
		t.Fatal(err)
	}
	if n := len(f.replies(f.card.ID)); n != 1 {
		t.Fatalf("%d replies after a redelivery, want 1", n)
	}
	// The user submits the same values again; that delivery fails once,
	// and the earlier identical reply must not count as its answer.
	second := f.submit(f.card, inputs)
	if err := f.handle(second, 2); err != nil {
		t.Fatal(err)
	}
	if n := len(f.replies(f.card.ID)); n != 2 {
		t.Fatalf("%d replies after a second submission, want 2", n)
	}
}

func TestRouterRepliesInTheThreadOfACardInAThread(t *testing.T) {
	f := newFixture(t, nil, emulator.Options{})
	threaded := f.sendCard(webex.MessageRequest{RoomID: f.user.RoomID, ParentID: f.user.ID})
	if err := f.handle(f.submit(threaded, map[string]any{"action": "demo", "name": "Ana"}), 1); err != nil {
		t.Fatal(err)
	}
	// Webex threads are one level deep: the answer joins the card's thread.
	if n := len(f.replies(f.user.ID)); n != 2 {
		t.Fatalf("thread of %s holds %d bot messages, want the card and its answer", f.user.ID, n)
	}
}

func TestRouterMetrics(t *testing.T) {
	f := newFixture(t, nil, emulator.Options{})
	for _, in := range []map[string]any{{"action": "demo", "name": "Ana"}, {"action": "demo"}, {"action": "nope"}} {
		if err := f.handle(f.submit(f.card, in), 1); err != nil {
			t.Fatal(err)
		}
	}
	if got := metricstest.Value(t, f.reg, "webexpipe_cards_submissions_total", map[string]string{"action": "demo"}); got != 2 {
		t.Errorf("demo submissions %g, want 2", got)
	}
	if got := metricstest.Value(t, f.reg, "webexpipe_cards_unknown_actions_total", nil); got != 1 {
		t.Errorf("unknown actions %g, want 1", got)
	}
}

func TestNewRefusesBadRoutes(t *testing.T) {
	sim := emulator.NewTest(t, emulator.Options{})
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token()})
	if err != nil {
		t.Fatal(err)
	}
	for name, routes := range map[string]cards.Routes{
		"empty action name": {"": cards.HandlerFunc(cards.Demo)},
		"nil handler":       {"x": nil},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := cards.New(client, cards.Config{Routes: routes}); err == nil {
				t.Error("accepted")
			}
		})
	}
	t.Run("negative recheck", func(t *testing.T) {
		if _, err := cards.New(client, cards.Config{RecheckAfter: -time.Second}); err == nil {
			t.Error("accepted")
		}
	})
	t.Run("no API", func(t *testing.T) {
		if _, err := cards.New(nil, cards.Config{}); err == nil {
			t.Error("accepted")
		}
	})
}
