package app

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

func TestCheckWebhooks(t *testing.T) {
	messages := events.ResourceEvent{Resource: "messages", Event: "created"}
	actions := events.ResourceEvent{Resource: "attachmentActions", Event: "created"}
	const secret = "whk-secret-5d1e-never-log-me"
	tests := []struct {
		name     string
		register []webex.WebhookRequest
		disable  string // resource of a webhook to disable after registering
		fault    *emulator.Fault
		want     []events.ResourceEvent // missing
		logs     []string               // each appears in the log
	}{
		{name: "none registered", want: []events.ResourceEvent{messages, actions},
			logs: []string{"no Webex webhook for messages/created", "no Webex webhook for attachmentActions/created", "level=WARN"}},
		{name: "only messages", register: []webex.WebhookRequest{{Resource: "messages", Event: "created"}},
			want: []events.ResourceEvent{actions}, logs: []string{"no Webex webhook for attachmentActions/created"}},
		{name: "both", register: []webex.WebhookRequest{{Resource: "messages", Event: "created"}, {Resource: "attachmentActions", Event: "created"}},
			logs: []string{"Webex webhooks checked"}},
		{name: "firehose counts", register: []webex.WebhookRequest{{Resource: "all", Event: "all"}}},
		{name: "other event does not count", register: []webex.WebhookRequest{{Resource: "messages", Event: "deleted"}, {Resource: "attachmentActions", Event: "created"}},
			want: []events.ResourceEvent{messages}},
		{name: "disabled", register: []webex.WebhookRequest{{Resource: "messages", Event: "created"}, {Resource: "attachmentActions", Event: "created"}},
			disable: "attachmentActions", want: []events.ResourceEvent{actions},
			logs: []string{"the Webex webhook for attachmentActions/created is disabled", `status\": \"active\"`}},
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
			ctx := context.Background()
			for _, r := range tt.register {
				r.Name, r.TargetURL, r.Secret = "check "+r.Resource, "http://127.0.0.1:1/webhooks/webex", secret
				h, err := client.CreateWebhook(ctx, r)
				if err != nil {
					t.Fatal(err)
				}
				if r.Resource == tt.disable {
					if _, err := client.UpdateWebhook(ctx, h.ID, webex.WebhookUpdate{Name: h.Name, TargetURL: h.TargetURL, Status: "disabled"}); err != nil {
						t.Fatal(err)
					}
				}
			}
			if tt.fault != nil {
				sim.InjectFault(*tt.fault)
			}
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			got := CheckWebhooks(ctx, client, []events.ResourceEvent{messages, actions}, log)
			if !slices.Equal(got, tt.want) {
				t.Errorf("missing = %v, want %v", got, tt.want)
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

func TestCheckWebhooksAsyncEndsWithItsContext(t *testing.T) {
	sim := emulator.NewTest(t, emulator.Options{})
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token()})
	if err != nil {
		t.Fatal(err)
	}
	sim.InjectFault(emulator.Fault{Path: "/webhooks", Delay: time.Minute})
	var buf bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	wait := CheckWebhooksAsync(ctx, client, DefaultExpectedWebhooks, slog.New(slog.NewTextHandler(&buf, nil)))
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

func TestWebhookCheckOptions(t *testing.T) {
	tests := []struct {
		name    string
		expect  []string
		want    []events.ResourceEvent
		wantErr bool
	}{
		{name: "pairs", expect: []string{"messages/created", " attachmentActions/created "},
			want: []events.ResourceEvent{{Resource: "messages", Event: "created"}, {Resource: "attachmentActions", Event: "created"}}},
		{name: "empty means no check", expect: []string{""}},
		{name: "no slash", expect: []string{"messages"}, wantErr: true},
		{name: "unsafe token", expect: []string{"messages/cre ated"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WebhookCheckOptions{Expect: tt.expect}.Needed()
			if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
				t.Errorf("Needed() = %v, %v", got, err)
			}
		})
	}
}

func TestStartWebhookCheck(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	tests := []struct {
		name    string
		o       process.WebexOptions
		c       WebhookCheckOptions
		wantErr bool
		logs    string
	}{
		{name: "no token", c: WebhookCheckOptions{Expect: []string{"messages/created"}}, logs: "check skipped"},
		{name: "empty token file", o: process.WebexOptions{TokenFile: empty}, c: WebhookCheckOptions{Expect: []string{"messages/created"}}, logs: "check skipped"},
		{name: "nothing expected", o: process.WebexOptions{Token: "t"}, logs: "check skipped"},
		{name: "unreadable token file", o: process.WebexOptions{TokenFile: filepath.Join(dir, "none")}, c: WebhookCheckOptions{Expect: []string{"messages/created"}}, wantErr: true},
		{name: "bad expectation", o: process.WebexOptions{Token: "t"}, c: WebhookCheckOptions{Expect: []string{"messages"}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			wait, err := StartWebhookCheck(context.Background(), tt.o, tt.c, nil, log)
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wait()
			if !strings.Contains(buf.String(), tt.logs) {
				t.Errorf("log lacks %q:\n%s", tt.logs, buf.String())
			}
		})
	}
	t.Run("with a token it checks, and learns the webhook ids", func(t *testing.T) {
		sim := emulator.NewTest(t, emulator.Options{})
		api, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token()})
		if err != nil {
			t.Fatal(err)
		}
		hook, err := api.CreateWebhook(context.Background(), webex.WebhookRequest{Name: "m", TargetURL: "https://bot.example/hook", Resource: "messages", Event: "created"})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		var learned []string // written before wait returns
		wait, err := StartWebhookCheck(context.Background(), process.WebexOptions{Token: sim.Token(), APIURL: sim.URL(), Timeout: 5 * time.Second},
			WebhookCheckOptions{Expect: []string{"attachmentActions/created"}}, func(id string) { learned = append(learned, id) }, slog.New(slog.NewTextHandler(&buf, nil)))
		if err != nil {
			t.Fatal(err)
		}
		wait()
		if !strings.Contains(buf.String(), "no Webex webhook for attachmentActions/created") {
			t.Errorf("log:\n%s", buf.String())
		}
		if len(learned) != 1 || learned[0] != hook.ID {
			t.Errorf("learned %v, want the listed webhook %s", learned, hook.ID)
		}
	})
}
