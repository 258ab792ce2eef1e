package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/syncbuf"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// TestWebhooksCommands runs list, ensure (twice), delete and watch against
// the emulator, with a webhook of someone else's that must stay untouched,
// and checks that no secret is ever printed.
func TestWebhooksCommands(t *testing.T) {
	srv, _, _ := localnats.StartProvisioned(t)
	sim := emulator.NewTest(t, emulator.Options{})
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	const secret, theirs = "whsec-cli-1f9e-never-print", "their-secret-never-print"
	foreign, err := client.CreateWebhook(context.Background(), webex.WebhookRequest{Name: "another bot", TargetURL: "https://other.example.com/h",
		Resource: "messages", Event: "created", Secret: theirs})
	if err != nil {
		t.Fatal(err)
	}
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\nold-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, args ...string) (string, string, error) {
		t.Helper()
		return runCLI(t, append(args, "--nats-url", srv.ClientURL(), "--webex-token", sim.Token(), "--webex-api-url", sim.URL())...)
	}
	target := "https://bot.example.com/webhooks/webex"
	tests := []struct {
		name  string
		args  []string
		want  []string
		fails bool
	}{
		{name: "ensure creates", args: []string{"webhooks", "ensure", "--target", target, "--secret-file", secretFile},
			want: []string{"created     webexpipe messages/created", "created     webexpipe attachmentActions/created", "1 webhooks of others left alone"}},
		{name: "ensure again changes nothing", args: []string{"webhooks", "ensure", "--target", target, "--secret-file", secretFile},
			want: []string{"ok          webexpipe messages/created", "nothing to change"}},
		{name: "ensure without a secret", args: []string{"webhooks", "ensure", "--target", target}, fails: true},
		{name: "ensure without a target", args: []string{"webhooks", "ensure", "--secret-file", secretFile}, fails: true},
		{name: "list", args: []string{"webhooks", "list"}, want: []string{"SECRET", "set", "webexpipe messages/created", "another bot", "yes", "no"}},
		{name: "list as JSON", args: []string{"webhooks", "list", "--json"}, want: []string{`"secret": true`, `"managed": false`}},
		{name: "delete a foreign webhook", args: []string{"webhooks", "delete", foreign.ID}, fails: true},
		{name: "delete nothing named", args: []string{"webhooks", "delete"}, fails: true},
		{name: "delete the managed ones", args: []string{"webhooks", "delete", "--all-managed"}, want: []string{"deleted", "webexpipe attachmentActions/created"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := run(t, tt.args...)
			if (err != nil) != tt.fails {
				t.Fatalf("err = %v, want failure %v\nstdout:\n%s\nstderr:\n%s", err, tt.fails, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, s := range []string{secret, theirs, "old-secret"} {
				if strings.Contains(out+errOut, s) {
					t.Errorf("a secret was printed:\n%s\n%s", out, errOut)
				}
			}
		})
	}
	hooks, err := client.Webhooks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 1 || hooks[0] != *foreign {
		t.Errorf("webhooks left %v, want only the foreign one, unchanged", hooks)
	}

	t.Run("watch ensures until stopped", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var errOut syncbuf.Buffer
		done := runCommand(ctx, &errOut, "webhooks", "watch", "--target", target, "--resources", "messages", "--secret-file", secretFile,
			"--interval", "50ms", "--metrics-addr", "", "--log-level", "error",
			"--nats-url", srv.ClientURL(), "--webex-token", sim.Token(), "--webex-api-url", sim.URL())
		waitfor.Until(t, 10*time.Second, func() (bool, string) {
			return strings.Contains(errOut.String(), "created     webexpipe messages/created"),
				"the watchdog did not create the webhook:\n" + errOut.String()
		})
		cancel()
		if err := <-done; err != nil {
			t.Errorf("watch = %v", err)
		}
		if hs, _ := client.Webhooks(context.Background()); len(hs) != 2 {
			t.Errorf("%d webhooks after the watch, want 2", len(hs))
		}
	})
	t.Run("watch without a target reports what is missing", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var errOut syncbuf.Buffer
		done := runCommand(ctx, &errOut, "webhooks", "watch", "--resources", "messages,memberships/all",
			"--interval", "50ms", "--metrics-addr", "", "--log-level", "error",
			"--nats-url", srv.ClientURL(), "--webex-token", sim.Token(), "--webex-api-url", sim.URL())
		waitfor.Until(t, 10*time.Second, func() (bool, string) {
			return strings.Contains(errOut.String(), "missing     memberships/all: no webhook delivers it"),
				"the watchdog did not report the missing webhook:\n" + errOut.String()
		})
		cancel()
		if err := <-done; err != nil {
			t.Errorf("watch = %v", err)
		}
		if strings.Contains(errOut.String(), "missing     messages/created") {
			t.Errorf("messages/created has webhooks, yet was reported missing:\n%s", errOut.String())
		}
		if hs, _ := client.Webhooks(context.Background()); len(hs) != 2 {
			t.Errorf("%d webhooks after a watch without a target, want the 2 there were", len(hs))
		}
	})
}
