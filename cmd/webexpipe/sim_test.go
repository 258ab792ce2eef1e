package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/workers/cards"
	"github.com/webexpipe/webexpipe/workers/echo"
)

// startBot runs the echo and cards workers behind ingest and the emulator,
// in process, and returns the emulator's base URL for --sim-url.
func startBot(t *testing.T) string {
	t.Helper()
	p := pipelinetest.Start(t, pipelinetest.Options{Webhooks: []events.ResourceEvent{
		{Resource: "messages", Event: "created"}, {Resource: "attachmentActions", Event: "created"},
	}})
	eh, err := echo.New(p.Client, echo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	p.StartWorker(p.WorkerConfig(echo.Name, echo.Events), eh)
	router, err := cards.New(p.Client, cards.Config{})
	if err != nil {
		t.Fatal(err)
	}
	p.StartWorker(p.WorkerConfig(cards.Name, cards.Events), router)
	return strings.TrimSuffix(p.Sim.URL(), "/v1")
}

// runSim runs `webexpipe sim ARGS...` in process and returns its output.
func runSim(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := simCommand()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = cmd.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

func TestSimSendCardAndClick(t *testing.T) {
	simURL := startBot(t)
	out, _, err := runSim(t, "send", "--sim-url", simURL, "card")
	if err != nil {
		t.Fatalf("sim send card: %v", err)
	}
	m := regexp.MustCompile(`(?m)^card message: (\S+)$`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, cards.DemoFallback) {
		t.Fatalf("sim send card printed no card message id and fallback:\n%s", out)
	}
	cardID := m[1]

	tests := []struct {
		name   string
		inputs []string
		want   string
	}{
		{"summary", []string{"action=demo", "name=Ana", "guests=3", "date=2026-06-01"}, "**Preferred date:** 2026-06-01"},
		{"missing input", []string{"action=demo", "guests=3"}, "**Your name** is missing"},
		{"unknown action", []string{"action=fly", "name=Ana"}, "I don't know what to do with that button"},
		{"a value holding =", []string{"action=demo", "name=A=B"}, "Thanks, A=B!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runSim(t, append([]string{"click", "--sim-url", simURL, cardID}, tt.inputs...)...)
			if err != nil {
				t.Fatalf("sim click: %v", err)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("sim click printed:\n%s\nwant %q", out, tt.want)
			}
		})
	}
}

func TestSimClickErrors(t *testing.T) {
	simURL := startBot(t)
	out, _, err := runSim(t, "send", "--sim-url", simURL, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "card message:") {
		t.Fatalf("an echo reply was printed as a card:\n%s", out)
	}
	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{"unknown message", []string{"no-such-message", "action=demo"}, "404"},
		{"input without =", []string{"whatever", "name"}, `want KEY=VALUE`},
		{"input given twice", []string{"whatever", "name=a", "name=b"}, "given twice"},
		{"no message id", nil, "arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runSim(t, append([]string{"click", "--sim-url", simURL, "--timeout", "2s"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	t.Run("a message without a card", func(t *testing.T) {
		// The user's message, whose id the echo reply shows last (data.id),
		// carries no card: Webex refuses a submit there, and so does the
		// emulator.
		msgs := regexp.MustCompile(`"id": "([^"]+)"`).FindAllStringSubmatch(out, -1)
		if len(msgs) == 0 {
			t.Fatalf("no message id in the echo reply:\n%s", out)
		}
		_, _, err := runSim(t, "click", "--sim-url", simURL, "--timeout", "2s", msgs[len(msgs)-1][1], "action=demo")
		if err == nil || !strings.Contains(err.Error(), "no card") {
			t.Errorf("error %v, want the emulator's refusal", err)
		}
	})
}
