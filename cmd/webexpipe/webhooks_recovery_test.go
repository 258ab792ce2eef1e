package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/syncbuf"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// TestWatchRecoverySettings: a cap of 0 would be read as the default, so
// the watchdog refuses it and names the setting, before connecting
// anywhere.
func TestWatchRecoverySettings(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "rooms", args: []string{"--recovery-max-rooms", "0"}, want: "RECOVERY_MAX_ROOMS=0"},
		{name: "messages", args: []string{"--recovery-max-messages", "-1"}, want: "RECOVERY_MAX_MESSAGES=-1"},
		{name: "window", args: []string{"--recovery-max-window", "0s"}, want: "RECOVERY_MAX_WINDOW=0s"},
		{name: "lookback", args: []string{"--recovery-lookback", "0s"}, want: "RECOVERY_LOOKBACK=0s"},
		{name: "partitions", args: []string{"--partitions", "0"}, want: "PARTITIONS=0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCLI(t, append([]string{"webhooks", "watch", "--webex-token", "t", "--nats-url", "nats://127.0.0.1:1"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("watch %v = %v, want an error naming %s", tt.args, err, tt.want)
			}
		})
	}
}

// TestWatchRecovers runs `webhooks watch` as shipped: a managed webhook is
// disabled, a message is sent meanwhile (never delivered), the webhook is
// re-enabled by hand, and the watchdog recovers the message into the
// stream and prints what it did.
func TestWatchRecovers(t *testing.T) {
	srv, _, js := localnats.StartProvisioned(t)
	sim := emulator.NewTest(t, emulator.Options{})
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h, err := client.CreateWebhook(ctx, webex.WebhookRequest{Name: "webexpipe messages/created", TargetURL: "http://127.0.0.1:1/webhooks/webex",
		Resource: "messages", Event: "created", Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	setStatus := func(status string) {
		t.Helper()
		if _, err := client.UpdateWebhook(ctx, h.ID, webex.WebhookUpdate{Name: h.Name, TargetURL: h.TargetURL, Status: status}); err != nil {
			t.Fatal(err)
		}
	}
	setStatus("disabled")

	var errOut syncbuf.Buffer
	done := runCommand(ctx, &errOut, "webhooks", "watch", "--resources", "messages", "--interval", "50ms", "--metrics-addr", "", "--log-level", "error",
		"--nats-url", srv.ClientURL(), "--webex-token", sim.Token(), "--webex-api-url", sim.URL())
	waitfor.True(t, 10*time.Second, "the watchdog sees the webhook disabled", func() bool {
		return strings.Contains(errOut.String(), "waiting")
	})
	if _, err := sim.PostAsUser(emulator.UserMessage{Text: "while disabled"}); err != nil {
		t.Fatal(err)
	}
	setStatus("active")
	waitfor.Until(t, 20*time.Second, func() (bool, string) {
		return strings.Contains(errOut.String(), "1 messages recovered"), "no recovery printed:\n" + errOut.String()
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("watch = %v", err)
	}
	s, err := js.Stream(context.Background(), events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Errorf("%d events stored, want the recovered one", info.State.Msgs)
	}
}
