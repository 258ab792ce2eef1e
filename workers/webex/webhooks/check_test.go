package webhooks_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

func gap(re events.ResourceEvent) webhooks.Gap {
	return webhooks.Gap{Resource: re.Resource, Event: re.Event}
}

func TestMissing(t *testing.T) {
	hook := func(id, resource, event, status string) webex.Webhook {
		return webex.Webhook{ID: id, Name: "n " + id, Resource: resource, Event: event, Status: status, Secret: secret}
	}
	tests := []struct {
		name  string
		hooks []webex.Webhook
		want  []events.ResourceEvent
		gaps  []webhooks.Gap
	}{
		{name: "none registered", want: []events.ResourceEvent{messages, actions}, gaps: []webhooks.Gap{gap(messages), gap(actions)}},
		{name: "one of two", hooks: []webex.Webhook{hook("1", "messages", "created", "active")},
			want: []events.ResourceEvent{messages, actions}, gaps: []webhooks.Gap{gap(actions)}},
		{name: "no status is active", hooks: []webex.Webhook{hook("1", "messages", "created", "")}, want: []events.ResourceEvent{messages}},
		{name: "firehose delivers all", hooks: []webex.Webhook{hook("1", "all", "all", "active")}, want: []events.ResourceEvent{messages, actions}},
		{name: "every event of the resource", hooks: []webex.Webhook{hook("1", "messages", "all", "active")}, want: []events.ResourceEvent{messages}},
		{name: "another event does not count", hooks: []webex.Webhook{hook("1", "messages", "deleted", "active")},
			want: []events.ResourceEvent{messages}, gaps: []webhooks.Gap{gap(messages)}},
		{name: "wanted all needs a webhook for all", hooks: []webex.Webhook{hook("1", "memberships", "created", "active")},
			want: []events.ResourceEvent{{Resource: "memberships", Event: "all"}}, gaps: []webhooks.Gap{{Resource: "memberships", Event: "all"}}},
		{name: "disabled names the webhook", hooks: []webex.Webhook{hook("7", "messages", "created", "disabled")},
			want: []events.ResourceEvent{messages}, gaps: []webhooks.Gap{{Resource: "messages", Event: "created", DisabledID: "7", DisabledName: "n 7"}}},
		{name: "an active one beside a disabled one", hooks: []webex.Webhook{hook("7", "messages", "created", "disabled"), hook("8", "messages", "created", "active")},
			want: []events.ResourceEvent{messages}},
		{name: "nothing wanted", hooks: []webex.Webhook{hook("1", "messages", "created", "disabled")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := webhooks.Missing(tt.hooks, tt.want); !slices.Equal(got, tt.gaps) {
				t.Errorf("Missing = %+v, want %+v", got, tt.gaps)
			}
		})
	}
}

// TestWarn runs the start check against the emulator: a warning per gap,
// with why and the fix, never a secret.
func TestWarn(t *testing.T) {
	tests := []struct {
		name     string
		register []webex.WebhookRequest
		disable  string // resource of a webhook to disable after registering
		fault    *emulator.Fault
		gaps     []webhooks.Gap
		logs     []string // each appears in the log
	}{
		{name: "none registered", gaps: []webhooks.Gap{gap(messages), gap(actions)},
			logs: []string{"no Webex webhook for messages/created", "no Webex webhook for attachmentActions/created", "level=WARN"}},
		{name: "both", register: []webex.WebhookRequest{{Resource: "messages", Event: "created"}, {Resource: "attachmentActions", Event: "created"}},
			logs: []string{"Webex webhooks checked"}},
		{name: "disabled", register: []webex.WebhookRequest{{Resource: "messages", Event: "created"}, {Resource: "attachmentActions", Event: "created"}},
			disable: "attachmentActions", logs: []string{"the Webex webhook for attachmentActions/created is disabled", `status\": \"active\"`}},
		{name: "cannot list", fault: &emulator.Fault{Method: "GET", Path: "/webhooks", Status: 500},
			logs: []string{"could not check the Webex webhooks"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := emulator.NewTest(t, emulator.Options{})
			client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token(), Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ctx := testCtx(t)
			var disabledID string
			for _, r := range tt.register {
				r.Name, r.TargetURL, r.Secret = "check "+r.Resource, "http://127.0.0.1:1/webhooks/webex", secret
				h, err := client.CreateWebhook(ctx, r)
				if err != nil {
					t.Fatal(err)
				}
				if r.Resource == tt.disable {
					disabledID = h.ID
					if _, err := client.UpdateWebhook(ctx, h.ID, webex.WebhookUpdate{Name: h.Name, TargetURL: h.TargetURL, Status: "disabled"}); err != nil {
						t.Fatal(err)
					}
				}
			}
			if tt.disable != "" {
				tt.gaps = []webhooks.Gap{{Resource: tt.disable, Event: "created", DisabledID: disabledID, DisabledName: "check " + tt.disable}}
			}
			if tt.fault != nil {
				sim.InjectFault(*tt.fault)
			}
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			if got := webhooks.Warn(ctx, client, []events.ResourceEvent{messages, actions}, log); !slices.Equal(got, tt.gaps) {
				t.Errorf("gaps = %+v, want %+v", got, tt.gaps)
			}
			for _, l := range tt.logs {
				if !strings.Contains(buf.String(), l) {
					t.Errorf("log lacks %q:\n%s", l, buf.String())
				}
			}
			if strings.Contains(buf.String(), secret) {
				t.Error("a webhook secret reached the log")
			}
		})
	}
}

func TestWarnAsyncEndsWithItsContext(t *testing.T) {
	sim := emulator.NewTest(t, emulator.Options{})
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token()})
	if err != nil {
		t.Fatal(err)
	}
	sim.InjectFault(emulator.Fault{Path: "/webhooks", Delay: time.Minute})
	var buf bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	wait := webhooks.WarnAsync(ctx, client, []events.ResourceEvent{messages}, slog.New(slog.NewTextHandler(&buf, nil)))
	cancel()
	done := make(chan struct{})
	go func() { wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the check outlived its context")
	}
	if buf.Len() != 0 {
		t.Errorf("a check cut short by shutdown logged:\n%s", buf.String())
	}
}
