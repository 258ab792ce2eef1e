package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/syncbuf"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall/ratelimit"
)

// TestWebhooksPerBot: with a registry of two bots the webhooks commands
// act for each bot with its own token: ensure --bot alpha creates alpha's
// webhooks alone, at WEBHOOK_TARGET/alpha; ensure for all creates beta's
// at its target_url with its registration's resources; delete --bot beta
// leaves alpha's.
func TestWebhooksPerBot(t *testing.T) {
	srv, _, _ := localnats.StartProvisioned(t)
	sim := emulator.NewTest(t, emulator.Options{BotID: "alpha", Bots: []emulator.BotSpec{{ID: "beta"}}})
	tokens := map[string]string{}
	for _, b := range sim.Bots() {
		tokens[b.ID] = b.Token
	}
	t.Setenv("ALPHA_TOKEN", tokens["alpha"])
	t.Setenv("BETA_TOKEN", tokens["beta"])
	t.Setenv("ALPHA_SECRET", "alpha-secret")
	t.Setenv("BETA_SECRET", "beta-secret")
	reg := filepath.Join(t.TempDir(), "bots.yaml")
	const file = "bots:\n" +
		"  - id: alpha\n    token_env: ALPHA_TOKEN\n    webhooks:\n      - secret_env: ALPHA_SECRET\n" +
		"  - id: beta\n    token_env: BETA_TOKEN\n    target_url: https://beta.example.com/hook\n" +
		"    webhooks:\n      - secret_env: BETA_SECRET\n        resources: [messages]\n"
	if err := os.WriteFile(reg, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	hooksOf := func(id string) []webex.Webhook {
		t.Helper()
		c, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: tokens[id], Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		hs, err := c.Webhooks(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return hs
	}
	run := func(args ...string) (string, error) {
		t.Helper()
		out, errOut, err := runCLI(t, append(append([]string{"webhooks"}, args...),
			"--bots-file", reg, "--nats-url", srv.ClientURL(), "--webex-api-url", sim.URL())...)
		if err != nil {
			t.Logf("%v: %s", args, errOut)
		}
		return out, err
	}

	if out, err := run("ensure", "--target", "https://bots.example.com/webhooks/webex", "--bot", "alpha"); err != nil || !strings.Contains(out, "bot alpha:") {
		t.Fatalf("ensure --bot alpha: %v\n%s", err, out)
	}
	alpha := hooksOf("alpha")
	if len(alpha) != 2 || len(hooksOf("beta")) != 0 {
		t.Fatalf("after ensure --bot alpha: alpha has %d webhooks, beta %d; want 2 and 0", len(alpha), len(hooksOf("beta")))
	}
	for _, h := range alpha {
		if h.TargetURL != "https://bots.example.com/webhooks/webex/alpha" {
			t.Errorf("alpha's webhook %s delivers to %s, want WEBHOOK_TARGET/alpha", h.Name, h.TargetURL)
		}
	}

	if _, err := run("ensure", "--target", "https://bots.example.com/webhooks/webex"); err != nil {
		t.Fatal(err)
	}
	beta := hooksOf("beta")
	if len(beta) != 1 || beta[0].Resource != "messages" || beta[0].TargetURL != "https://beta.example.com/hook" || len(hooksOf("alpha")) != 2 {
		t.Errorf("after ensure for every bot: beta %+v, alpha %d; want beta's messages webhook at its target_url", beta, len(hooksOf("alpha")))
	}

	out, err := run("list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var lists []struct {
		Bot   string
		Hooks []struct{ ID string }
	}
	if err := json.Unmarshal([]byte(out), &lists); err != nil || len(lists) != 2 || lists[0].Bot != "alpha" || len(lists[0].Hooks) != 2 || len(lists[1].Hooks) != 1 {
		t.Errorf("list: %v %+v", err, lists)
	}

	if _, err := run("delete", alpha[0].ID); err == nil {
		t.Error("delete by id without --bot, with two bots: want a refusal")
	}
	if _, err := run("delete", "--all-managed", "--bot", "beta"); err != nil {
		t.Fatal(err)
	}
	if len(hooksOf("beta")) != 0 || len(hooksOf("alpha")) != 2 {
		t.Errorf("delete --bot beta: beta has %d, alpha %d; want 0 and 2", len(hooksOf("beta")), len(hooksOf("alpha")))
	}
	if _, err := run("list", "--bot", "gamma"); !errors.Is(err, app.ErrUnknownBot) {
		t.Errorf("list --bot gamma: %v, want a refusal naming alpha, beta", err)
	}

	// watch: one watchdog per bot, each with its token, recreates beta's
	// webhook deleted above and leaves alpha's as they are; its lines
	// name the bot.
	cmd := rootCommand()
	var stdout, errOut syncbuf.Buffer
	cmd.SetOut(&stdout)
	cmd.SetErr(&errOut)
	cmd.SetArgs([]string{"webhooks", "watch", "--target", "https://bots.example.com/webhooks/webex", "--interval", "100ms",
		"--metrics-addr", "", "--recovery=false", "--bots-file", reg, "--nats-url", srv.ClientURL(), "--webex-api-url", sim.URL()})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	waitfor.Until(t, 20*time.Second, func() (bool, string) {
		// The line is printed once the round is over, after the webhook
		// exists.
		n := len(hooksOf("beta"))
		return n == 1 && strings.Contains(errOut.String(), " bot beta created"), fmt.Sprintf("beta has %d webhooks; stderr:\n%s", n, errOut.String())
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("watch ended with %v", err)
	}
	if h := hooksOf("beta"); h[0].TargetURL != "https://beta.example.com/hook" || len(hooksOf("alpha")) != 2 {
		t.Errorf("after watch: beta %+v, alpha %d webhooks", h, len(hooksOf("alpha")))
	}
	if strings.Contains(errOut.String(), " bot alpha created") {
		t.Errorf("watch created a webhook of alpha's, which had them all:\n%s", errOut.String())
	}
}

// TestBackfillPerBot: with a registry, backfill --bot beta stores beta's
// lost message alone, with beta's token; without --bot every bot is
// backfilled, and beta's message is found stored.
func TestBackfillPerBot(t *testing.T) {
	srv, _, _ := localnats.StartProvisioned(t)
	sim := emulator.NewTest(t, emulator.Options{BotID: "alpha", Bots: []emulator.BotSpec{{ID: "beta"}}})
	for _, b := range sim.Bots() {
		t.Setenv(strings.ToUpper(b.ID)+"_TOKEN", b.Token)
		if _, err := sim.PostAsUser(emulator.UserMessage{Bot: b.ID, PersonEmail: "u@example.com", Text: "lost"}); err != nil {
			t.Fatal(err)
		}
	}
	reg := twoBotsRegistry(t)
	run := func(args ...string) []struct {
		Bot     string
		Summary struct{ Stored, Seen int }
	} {
		t.Helper()
		out, errOut, err := runCLI(t, append(append([]string{"backfill", "--since", "1h", "--json"}, args...),
			"--bots-file", reg, "--nats-url", srv.ClientURL(), "--webex-api-url", sim.URL())...)
		if err != nil {
			t.Fatalf("backfill %v: %v\n%s", args, err, errOut)
		}
		var res []struct {
			Bot     string
			Summary struct{ Stored, Seen int }
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		return res
	}
	if got := run("--bot", "beta"); len(got) != 1 || got[0].Bot != "beta" || got[0].Summary.Stored != 1 {
		t.Errorf("backfill --bot beta: %+v, want beta's message stored", got)
	}
	got := run()
	if len(got) != 2 || got[0].Bot != "alpha" || got[0].Summary.Stored != 1 || got[1].Summary.Stored != 0 || got[1].Summary.Seen != 1 {
		t.Errorf("backfill of every bot: %+v, want alpha's stored and beta's seen", got)
	}
}

// TestStatusPerBot: with a registry whose tokens status can read, each
// rate-limit pause is named by its bot and each bot's webhooks are listed
// with its token; --bot beta shows beta's pause and webhooks alone.
func TestStatusPerBot(t *testing.T) {
	srv, _, js := localnats.StartProvisioned(t)
	sim := emulator.NewTest(t, emulator.Options{BotID: "alpha", Bots: []emulator.BotSpec{{ID: "beta"}}})
	kv, err := js.KeyValue(context.Background(), events.RateLimitBucket)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range sim.Bots() {
		t.Setenv(strings.ToUpper(b.ID)+"_TOKEN", b.Token)
		c, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: b.Token, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano)
		if _, err := kv.Put(context.Background(), ratelimit.Key(c.TokenKey()), []byte(`{"until":"`+until+`","status":429,"by":"echo"}`)); err != nil {
			t.Fatal(err)
		}
	}
	reg := twoBotsRegistry(t)
	status := func(args ...string) (r struct {
		Pauses      []struct{ Bot string }
		BotWebhooks []struct {
			Bot      string
			Webhooks []json.RawMessage
		} `json:"bot_webhooks"`
	}) {
		t.Helper()
		out, errOut, err := runCLI(t, append(append([]string{"status", "--json"}, args...),
			"--bots-file", reg, "--nats-url", srv.ClientURL(), "--webex-api-url", sim.URL())...)
		if err != nil {
			t.Fatalf("status %v: %v\n%s", args, err, errOut)
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	all := status()
	if len(all.Pauses) != 2 || all.Pauses[0].Bot == "" || all.Pauses[1].Bot == "" || all.Pauses[0].Bot == all.Pauses[1].Bot ||
		len(all.BotWebhooks) != 2 || all.BotWebhooks[0].Bot != "alpha" || all.BotWebhooks[0].Webhooks == nil {
		t.Errorf("status of every bot: %+v, want each pause named and each bot's webhooks listed", all)
	}
	beta := status("--bot", "beta")
	if len(beta.Pauses) != 1 || beta.Pauses[0].Bot != "beta" || len(beta.BotWebhooks) != 1 || beta.BotWebhooks[0].Bot != "beta" {
		t.Errorf("status --bot beta: %+v, want beta's pause and webhooks alone", beta)
	}
}
