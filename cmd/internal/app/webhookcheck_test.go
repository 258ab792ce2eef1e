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

func TestWanted(t *testing.T) {
	tests := []struct {
		name      string
		resources []string
		want      []events.ResourceEvent
		wantErr   bool
	}{
		{name: "resources", resources: []string{"messages", " attachmentActions "},
			want: []events.ResourceEvent{{Resource: "messages", Event: "created"}, {Resource: "attachmentActions", Event: "created"}}},
		{name: "pairs, as the old EXPECT_WEBHOOKS took them", resources: []string{"messages/created", "memberships/all"},
			want: []events.ResourceEvent{{Resource: "messages", Event: "created"}, {Resource: "memberships", Event: "all"}}},
		{name: "empty means none", resources: []string{""}},
		{name: "unsafe token", resources: []string{"messages/cre ated"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WebhookOptions{Resources: tt.resources}.Wanted()
			if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
				t.Errorf("Wanted() = %v, %v", got, err)
			}
		})
	}
}

func TestStartWebhookCheck(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	messages := WebhookOptions{Resources: []string{"messages"}}
	tests := []struct {
		name    string
		o       process.WebexOptions
		wh      WebhookOptions
		wantErr bool
		logs    string
	}{
		{name: "no token", wh: messages, logs: "check skipped"},
		{name: "empty token file", o: process.WebexOptions{TokenFile: empty}, wh: messages, logs: "check skipped"},
		{name: "nothing wanted", o: process.WebexOptions{Token: "t"}, logs: "check skipped"},
		{name: "unreadable token file", o: process.WebexOptions{TokenFile: filepath.Join(dir, "none")}, wh: messages, wantErr: true},
		{name: "bad resource", o: process.WebexOptions{Token: "t"}, wh: WebhookOptions{Resources: []string{"mess ages"}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			wait, err := StartWebhookCheck(context.Background(), tt.o, tt.wh, nil, log)
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
			WebhookOptions{Resources: []string{"attachmentActions/created"}}, func(id string) { learned = append(learned, id) }, slog.New(slog.NewTextHandler(&buf, nil)))
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
