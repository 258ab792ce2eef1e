package commands_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/commands"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// fixture is a Router in front of the emulator. Events are built by hand:
// these tests are about the router; the echo worker's pipeline tests run a
// router behind ingest and JetStream.
type fixture struct {
	t      *testing.T
	sim    *emulator.Server
	client *webex.Client
	reg    *prometheus.Registry
	router *commands.Router
}

func newFixture(t *testing.T, cfg commands.Config) *fixture {
	t.Helper()
	sim := emulator.NewTest(t, emulator.Options{})
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token(), Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, sim: sim, client: client, reg: prometheus.NewRegistry()}
	if cfg.Worker == "" {
		cfg.Worker = "test"
	}
	cfg.Metrics = f.reg
	if cfg.RecheckAfter == 0 {
		cfg.RecheckAfter = 3 * time.Second
	}
	if f.router, err = commands.New(client, cfg); err != nil {
		t.Fatal(err)
	}
	return f
}

// post has a user post um and returns the message.
func (f *fixture) post(um emulator.UserMessage) webex.Message {
	f.t.Helper()
	m, err := f.sim.PostAsUser(um)
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

// handle runs the router on the event announcing m, as delivery n.
func (f *fixture) handle(m webex.Message, n uint64) error {
	f.t.Helper()
	ev := &workers.Event{
		Envelope: &events.Envelope{Resource: "messages", Event: "created", Data: events.Data{
			ID: m.ID, RoomID: m.RoomID, PersonID: m.PersonID, Created: m.Created,
		}},
		Raw:       []byte(`{}`),
		Delivered: n,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return f.router.Handle(ctx, ev)
}

func echoArgs(_ context.Context, m *commands.Message) (webexcall.Reply, error) {
	return webexcall.Text("args: " + webex.EscapeMarkdown(m.Args)), nil
}

func TestRouterRoutesByFirstWord(t *testing.T) {
	t.Parallel()
	cfg := commands.Config{
		Commands: []commands.Command{
			{Name: "say", Aliases: []string{"/say"}, Help: "repeats the rest", Handler: commands.HandlerFunc(echoArgs)},
			{Name: "quiet", Handler: commands.HandlerFunc(func(context.Context, *commands.Message) (webexcall.Reply, error) {
				return webexcall.Reply{}, nil
			})},
		},
		Intro: "A test bot.",
	}
	withDefault := cfg
	withDefault.Default = commands.HandlerFunc(func(_ context.Context, m *commands.Message) (webexcall.Reply, error) {
		return webexcall.Text("default for " + webex.EscapeMarkdown(m.Text)), nil
	})
	tests := []struct {
		name    string
		cfg     commands.Config
		msg     emulator.UserMessage
		want    string // in the one reply; "" for none
		command string // the counted label
	}{
		{name: "command and arguments", cfg: cfg, msg: emulator.UserMessage{Text: "say hello world"}, want: "args: hello world", command: "say"},
		{name: "alias in any case", cfg: cfg, msg: emulator.UserMessage{Text: "/SAY hi"}, want: "args: hi", command: "say"},
		{name: "mention stripped in a group room", cfg: cfg, msg: emulator.UserMessage{RoomID: "team", RoomType: "group", MentionBot: true, Text: "say hi"}, want: "args: hi", command: "say"},
		{name: "handler choosing silence", cfg: cfg, msg: emulator.UserMessage{Text: "quiet"}, command: "quiet"},
		{name: "help lists the described commands", cfg: cfg, msg: emulator.UserMessage{Text: "help"}, want: "A test bot.\n\nCommands:\n- **say** (or **/say**): repeats the rest", command: "help"},
		{name: "unknown word without a default", cfg: cfg, msg: emulator.UserMessage{Text: "launch <@all>"}, want: "I don't know **launch**", command: "unknown"},
		{name: "unknown word with a default", cfg: withDefault, msg: emulator.UserMessage{Text: "launch *now*"}, want: `default for launch \*now\*`, command: "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tt.cfg)
			m := f.post(tt.msg)
			if err := f.handle(m, 1); err != nil {
				t.Fatalf("Handle: %v", err)
			}
			replies := f.sim.BotMessages(m.RoomID)
			if tt.want == "" {
				if len(replies) != 0 {
					t.Fatalf("%d replies, want none", len(replies))
				}
			} else {
				if len(replies) != 1 {
					t.Fatalf("%d replies, want 1", len(replies))
				}
				if !strings.Contains(replies[0].Markdown, tt.want) {
					t.Errorf("reply %q lacks %q", replies[0].Markdown, tt.want)
				}
			}
			if got := metricstest.Value(t, f.reg, "webexpipe_commands_total", map[string]string{"worker": "test", "command": tt.command}); got != 1 {
				t.Errorf("counted %g under command=%s, want 1", got, tt.command)
			}
		})
	}
}

func TestRouterIgnoresTheBotsOwnMessages(t *testing.T) {
	t.Parallel()
	f := newFixture(t, commands.Config{})
	user := f.post(emulator.UserMessage{Text: "hello"})
	own, err := f.client.SendMessage(context.Background(), &webex.MessageRequest{RoomID: user.RoomID, Text: "help"})
	if err != nil {
		t.Fatal(err)
	}
	before := len(f.sim.BotMessages(user.RoomID))
	if err := f.handle(*own, 1); !workers.IsIgnored(err) {
		t.Fatalf("Handle = %v, want an ignored event", err)
	}
	// An event whose webhook names someone else but whose message is the
	// bot's is caught after the fetch.
	forged := *own
	forged.PersonID = user.PersonID
	if err := f.handle(forged, 1); !workers.IsIgnored(err) {
		t.Fatalf("Handle of a message the bot wrote = %v, want an ignored event", err)
	}
	if n := len(f.sim.BotMessages(user.RoomID)); n != before {
		t.Errorf("the router posted %d messages", n-before)
	}
}

func TestRouterRedeliveryDoesNotAnswerTwice(t *testing.T) {
	t.Parallel()
	cfg := commands.Config{Commands: []commands.Command{{Name: "say", Handler: commands.HandlerFunc(echoArgs)}}}
	f := newFixture(t, cfg)
	m := f.post(emulator.UserMessage{Text: "say once"})
	if err := f.handle(m, 1); err != nil {
		t.Fatal(err)
	}
	// The ack was lost: the same event comes again.
	if err := f.handle(m, 2); !workers.IsIgnored(err) {
		t.Fatalf("redelivery: Handle = %v, want ignored (reply already in the room)", err)
	}
	if n := len(f.sim.BotMessages(m.RoomID)); n != 1 {
		t.Errorf("%d replies after a redelivery, want 1", n)
	}
}

func TestRouterDoesNotResendAnAmbiguousReply(t *testing.T) {
	t.Parallel()
	cfg := commands.Config{Commands: []commands.Command{{Name: "say", Handler: commands.HandlerFunc(echoArgs)}}, RecheckAfter: 7 * time.Second}
	f := newFixture(t, cfg)
	m := f.post(emulator.UserMessage{Text: "say maybe"})
	// Webex stores the reply but the client gives up waiting for it.
	f.sim.InjectFault(emulator.Fault{Method: "POST", Path: "/messages", Delay: 2 * time.Second, Times: 1})
	err := f.handle(m, 1)
	if d, ok := workers.RetryDelay(err); !ok || d != 7*time.Second {
		t.Fatalf("Handle = %v, want a retry after the recheck delay", err)
	}
	waitfor.True(t, 20*time.Second, "the held reply stored", func() bool { return len(f.sim.BotMessages(m.RoomID)) == 1 })
	if err := f.handle(m, 2); !workers.IsIgnored(err) {
		t.Fatalf("redelivery after the ambiguous POST: Handle = %v, want ignored", err)
	}
	if n := len(f.sim.BotMessages(m.RoomID)); n != 1 {
		t.Errorf("%d replies, want 1", n)
	}
}

func TestRouterRetriesAFreshlyAnnouncedMessageNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t, commands.Config{})
	m := f.post(emulator.UserMessage{Text: "hello"})
	f.sim.InjectFault(emulator.Fault{Method: "GET", Path: "/messages/", Status: 404, Times: 1})
	err := f.handle(m, 1)
	if err == nil || workers.IsPermanent(err) {
		t.Fatalf("first delivery with a 404: Handle = %v, want a plain retry", err)
	}
	f.sim.InjectFault(emulator.Fault{Method: "GET", Path: "/messages/", Status: 404, Times: 1})
	if err := f.handle(m, webexcall.LagDeliveries); !workers.IsPermanent(err) {
		t.Fatalf("a 404 on delivery %d: Handle = %v, want permanent", webexcall.LagDeliveries, err)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	h := commands.HandlerFunc(echoArgs)
	tests := []struct {
		name string
		cfg  commands.Config
	}{
		{name: "no worker", cfg: commands.Config{}},
		{name: "no handler", cfg: commands.Config{Worker: "w", Commands: []commands.Command{{Name: "a"}}}},
		{name: "two words", cfg: commands.Config{Worker: "w", Commands: []commands.Command{{Name: "a b", Handler: h}}}},
		{name: "empty name", cfg: commands.Config{Worker: "w", Commands: []commands.Command{{Handler: h}}}},
		{name: "duplicate across aliases", cfg: commands.Config{Worker: "w", Commands: []commands.Command{{Name: "a", Handler: h}, {Name: "b", Aliases: []string{"A"}, Handler: h}}}},
		{name: "negative recheck", cfg: commands.Config{Worker: "w", RecheckAfter: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.cfg.Validate(); err == nil {
				t.Error("Validate accepted it")
			}
		})
	}
	if err := (commands.Config{Worker: "w", Commands: []commands.Command{{Name: "a", Aliases: []string{"/a"}, Handler: h}}}).Validate(); err != nil {
		t.Errorf("Validate refused a good config: %v", err)
	}
}
