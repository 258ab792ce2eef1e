package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// A wanted webhook that stays disabled (the five-minute rule) is not
// "nothing to change": ensure says so and exits non-zero, so that a script
// or an operator does not take a bot that receives nothing for a done job.
func TestWebhooksEnsureLeavesOneDisabled(t *testing.T) {
	srv, _, _ := localnats.StartProvisioned(t)
	sim := emulator.NewTest(t, emulator.Options{})
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte("whsec-disabled-test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ensure := func() (string, error) {
		t.Helper()
		out, _, err := runCLI(t, "webhooks", "ensure", "--target", "https://bot.example.com/webhooks/webex", "--resources", "messages",
			"--secret-file", secretFile, "--nats-url", srv.ClientURL(), "--webex-token", sim.Token(), "--webex-api-url", sim.URL())
		return out, err
	}
	if out, err := ensure(); err != nil {
		t.Fatalf("first ensure: %v\n%s", err, out)
	}
	hooks, err := client.Webhooks(context.Background())
	if err != nil || len(hooks) != 1 {
		t.Fatalf("webhooks %v, %v; want the one created", hooks, err)
	}
	if _, err := client.UpdateWebhook(context.Background(), hooks[0].ID, webex.WebhookUpdate{
		Name: hooks[0].Name, TargetURL: hooks[0].TargetURL, Status: "disabled",
	}); err != nil {
		t.Fatal(err)
	}

	out, err := ensure()
	if !errors.Is(err, webhooks.ErrStillDisabled) {
		t.Errorf("ensure with a disabled webhook: err = %v, want %v", err, webhooks.ErrStillDisabled)
	}
	if strings.Contains(out, "nothing to change") || !strings.Contains(out, "1 wanted webhooks still disabled") {
		t.Errorf("ensure's report hides the disabled webhook:\n%s", out)
	}
}
