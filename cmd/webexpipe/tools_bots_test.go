package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
)

// twoBotsRegistry writes a registry of bots alpha and beta; the tools that
// need ids alone read neither token nor secret.
func twoBotsRegistry(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bots.yaml")
	const file = "bots:\n" +
		"  - id: alpha\n    token_env: ALPHA_TOKEN\n    webhooks:\n      - secret_env: ALPHA_SECRET\n" +
		"  - id: beta\n    token_env: BETA_TOKEN\n    webhooks:\n      - secret_env: BETA_SECRET\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestToolsPerBot: with two bots stored, --bot narrows events list,
// replay and the dlq commands to that bot's events and letters; without
// it they cover both; an id the registry lacks is refused, naming the
// known ones.
func TestToolsPerBot(t *testing.T) {
	srv, _, js := localnats.StartProvisioned(t)
	reg := twoBotsRegistry(t)
	ctx := dlqCtx(t)
	for _, bot := range []string{"alpha", "beta"} {
		cfg, err := events.ConsumerConfig(events.ConsumerOptions{Worker: "echo", Bot: bot,
			Events: []events.ResourceEvent{{Resource: "messages", Event: "created"}}, AckWait: time.Minute, MaxDeliver: 3, MaxAckPending: 10})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.CreateOrUpdateConsumer(ctx, events.EventsStream, cfg); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			subject := events.BotEventSubject(bot, "messages", "created", i)
			m := nats.NewMsg(subject)
			m.Data = fmt.Appendf(nil, `{"id":"wh","resource":"messages","event":"created","data":{"id":"%s-%d","roomId":"r"}}`, bot, i)
			events.SetBot(m.Header, bot)
			if _, err := js.PublishMsg(ctx, m); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				d := nats.NewMsg(events.DLQSubject("echo"))
				d.Data = m.Data
				d.Header.Set(events.HeaderWorker, "echo")
				d.Header.Set(events.HeaderOrigSubject, subject)
				d.Header.Set(events.HeaderOrigSeq, "1")
				events.SetBot(d.Header, bot)
				if _, err := js.PublishMsg(ctx, d); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	conn := []string{"--nats-url", srv.ClientURL(), "--bots-file", reg}
	run := func(t *testing.T, args ...string) string {
		t.Helper()
		out, errOut, err := runCLI(t, append(args, conn...)...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
		return out
	}
	botsOf := func(t *testing.T, out string) map[string]int {
		t.Helper()
		var rows []struct{ Bot string }
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		got := map[string]int{}
		for _, r := range rows {
			got[r.Bot]++
		}
		return got
	}

	t.Run("events list", func(t *testing.T) {
		if got := botsOf(t, run(t, "events", "list", "--bot", "alpha", "--json")); got["alpha"] != 2 || len(got) != 1 {
			t.Errorf("--bot alpha lists %v, want alpha's 2", got)
		}
		if got := botsOf(t, run(t, "events", "list", "--json")); got["alpha"] != 2 || got["beta"] != 2 {
			t.Errorf("every bot: %v, want 2 of each", got)
		}
		if out := run(t, "events", "list", "--bot", "beta"); !strings.Contains(out, "BOT") || strings.Contains(out, "alpha") {
			t.Errorf("table for beta:\n%s", out)
		}
	})
	t.Run("unknown bot", func(t *testing.T) {
		for _, args := range [][]string{{"events", "list"}, {"replay", "--worker", "echo", "--since", "1h"}, {"dlq", "list"}} {
			_, _, err := runCLI(t, append(append(args, "--bot", "gamma"), conn...)...)
			if !errors.Is(err, app.ErrUnknownBot) {
				t.Errorf("%v --bot gamma: %v, want a refusal naming alpha, beta", args, err)
			}
		}
	})
	t.Run("dlq", func(t *testing.T) {
		if got := botsOf(t, run(t, "dlq", "list", "--bot", "beta", "--json")); got["beta"] != 1 || len(got) != 1 {
			t.Errorf("--bot beta lists %v, want beta's letter", got)
		}
		// Refused: alpha's letter is still there below.
		if _, _, err := runCLI(t, append([]string{"dlq", "redrive", "1", "--bot", "beta"}, conn...)...); err == nil {
			t.Error("redrive of alpha's letter with --bot beta: want a refusal")
		}
		run(t, "dlq", "redrive", "--all", "--bot", "beta")
		if got := botsOf(t, run(t, "dlq", "list", "--json")); got["alpha"] != 1 || got["beta"] != 0 {
			t.Errorf("after redriving beta's: %v, want alpha's letter alone", got)
		}
	})
	t.Run("status", func(t *testing.T) {
		var r struct {
			Consumers []struct{ Name, Bot string }
			Workers   []struct{ Worker, Bot string }
		}
		if err := json.Unmarshal([]byte(run(t, "status", "--bot", "beta", "--json")), &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Consumers) != 1 || r.Consumers[0].Name != "echo@beta" || r.Consumers[0].Bot != "beta" ||
			len(r.Workers) != 1 || r.Workers[0].Worker != "echo" || r.Workers[0].Bot != "beta" {
			t.Errorf("status --bot beta: %+v, want echo@beta's backlog alone", r)
		}
		if out := run(t, "status"); !strings.Contains(out, "echo@alpha") || !strings.Contains(out, "echo@beta") {
			t.Errorf("status of every bot:\n%s", out)
		}
	})
	t.Run("replay", func(t *testing.T) {
		run(t, "replay", "--worker", "echo", "--since", "1h", "--bot", "alpha", "-q")
		s, err := js.Stream(ctx, events.EventsStream)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(ctx, jetstream.WithSubjectFilter(events.SubjectRoot+".replay.>"))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]uint64{}
		for subject, n := range info.State.Subjects {
			a, _ := events.ParseSubject(subject)
			got[a.Bot] += n
		}
		// alpha's 2 events, and beta's letter redriven above.
		if got["alpha"] != 2 || got["beta"] != 1 {
			t.Errorf("copies by bot %v, want alpha's 2 (and the redriven beta letter)", got)
		}
	})
}
