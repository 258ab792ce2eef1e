package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// opsEnv is a running pipeline with the echo worker that has answered two
// messages, for the operator commands to look at.
type opsEnv struct {
	*pipelinetest.Pipeline
	natsURL string
}

func newOpsEnv(t *testing.T) *opsEnv {
	t.Helper()
	p := pipelinetest.Start(t, pipelinetest.Options{})
	h, err := echo.New(p.Client, echo.Config{Logger: pipelinetest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	p.StartWorker(p.WorkerConfig(echo.Name, echo.Events), h)
	for i, who := range []string{"ana@example.com", "ben@example.com"} {
		if _, err := p.Sim.PostAsUser(emulator.UserMessage{PersonEmail: who, Text: "hello " + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
		p.Settle(2 * (i + 1))
	}
	return &opsEnv{Pipeline: p, natsURL: p.JS.Conn().ConnectedUrl()}
}

// run runs `webexpipe args...` against the env's NATS server, and with
// webex true against its emulator.
func (e *opsEnv) run(t *testing.T, webex bool, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	args = append(args, "--nats-url", e.natsURL)
	if webex {
		args = append(args, "--webex-token", e.Sim.Token(), "--webex-api-url", e.Sim.URL())
	}
	return runCLI(t, args...)
}

// runCLI runs the webexpipe root command in-process.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := rootCommand()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = cmd.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

func TestOperatorCommands(t *testing.T) {
	e := newOpsEnv(t)
	tests := []struct {
		name  string
		webex bool
		args  []string
		want  []string // substrings of stdout
		fails bool
	}{
		{name: "events list", args: []string{"events", "list", "--since", "1h"},
			want: []string{"SEQ", "messages/created", "ana@example.com", "ben@example.com"}},
		{name: "events list of a resource nobody sent", args: []string{"events", "list", "--resource", "memberships"}},
		{name: "events show", args: []string{"events", "show", "1"},
			want: []string{"event WEBEX_EVENTS:1, stored", "signature: not checked", "dedup key: messages:created:", "Nats-Msg-Id: ", `"resource": "messages"`}},
		{name: "events show with a wrong secret", args: []string{"events", "show", "1", "--webex-webhook-secret", "not-it"},
			want: []string{"signature: invalid"}},
		{name: "events show of nothing", args: []string{"events", "show", "999"}, fails: true},
		{name: "replay dry run", args: []string{"replay", "--worker", "echo", "--since", "1h", "--dry-run"},
			want: []string{"SEQ", "HANDLED", "4 events selected, nothing stored (dry run)", "4 of them were handled before: the worker skips them",
				"2 of them the worker settled with no marker left to say so"}},
		{name: "replay without a window", args: []string{"replay", "--worker", "echo"}, fails: true},
		{name: "replay to nobody", args: []string{"replay", "--worker", "nobody", "--since", "1h"}, fails: true},
		{name: "status", webex: true, args: []string{"status"},
			want: []string{"WEBEX_EVENTS", "webex_webhooks", "echo", "DEAD LETTERS", "RATE-LIMIT PAUSE", "WEBHOOKS", "test messages"}},
		{name: "status without a token", args: []string{"status"}, want: []string{"webhooks: not checked"}},
		{name: "backfill dry run", webex: true, args: []string{"backfill", "--since", "1h", "--dry-run"},
			want: []string{"2 messages (2 of the bot's own left out), 2 already in the stream, 0 missing; nothing stored (dry run)"}},
		{name: "backfill without a window", webex: true, args: []string{"backfill"}, fails: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := e.run(t, tt.webex, tt.args...)
			if (err != nil) != tt.fails {
				t.Fatalf("err = %v, want failure %v\nstdout:\n%s\nstderr:\n%s", err, tt.fails, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestOperatorCommandsJSON(t *testing.T) {
	e := newOpsEnv(t)
	t.Run("events list", func(t *testing.T) {
		out, _, err := e.run(t, false, "events", "list", "--json", "--limit", "3")
		if err != nil {
			t.Fatal(err)
		}
		var recs []struct {
			Seq      uint64
			Resource string
		}
		if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 3 || recs[0].Seq != 4 {
			t.Errorf("%v: %s", err, out)
		}
	})
	t.Run("replay", func(t *testing.T) {
		out, _, err := e.run(t, false, "replay", "--worker", "echo", "--from-seq", "1", "--json")
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Summary struct{ Selected, Stored, Handled int }
		}
		// The bot's two replies were ignored (no marker) and settled:
		// no copy of them is stored.
		if err := json.Unmarshal([]byte(out), &r); err != nil || r.Summary.Stored != 2 || r.Summary.Handled != 4 {
			t.Errorf("%v: %s", err, out)
		}
		e.Settle(len(e.Sim.Deliveries()))
		for _, who := range []string{"ana@example.com", "ben@example.com"} {
			if n := len(e.BotMessages(roomOf(t, e, who))); n != 1 {
				t.Errorf("%s got %d replies after a replay without --force, want 1", who, n)
			}
		}
	})
	t.Run("status", func(t *testing.T) {
		out, _, err := e.run(t, false, "status", "--json")
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Consumers []struct {
				Name    string
				Pending uint64
			}
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Consumers) != 1 || r.Consumers[0].Name != "echo" || r.Consumers[0].Pending != 0 {
			t.Errorf("%v: %s", err, out)
		}
	})
}

// roomOf finds the direct room of a user.
func roomOf(t *testing.T, e *opsEnv, email string) string {
	t.Helper()
	for _, d := range e.Sim.Deliveries() {
		if strings.Contains(string(d.Body), email) {
			var env struct{ Data struct{ RoomID string } }
			_ = json.Unmarshal(d.Body, &env)
			return env.Data.RoomID
		}
	}
	t.Fatalf("no delivery from %s", email)
	return ""
}
