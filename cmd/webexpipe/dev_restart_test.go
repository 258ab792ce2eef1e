package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/syncbuf"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// devRun is one `webexpipe dev` running in this process.
type devRun struct {
	simURL, natsURL string
	consoleURL      string // "" unless --console-addr was given
	stop            func()
}

// startDev runs `webexpipe dev` on dataDir, on free ports, until stop;
// extra are more flags.
func startDev(t *testing.T, dataDir string, extra ...string) devRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := devCommand()
	var out, errOut syncbuf.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(append([]string{"--data-dir", dataDir, "--nats-port", "-1", "--sim-addr", "127.0.0.1:0",
		"--listen-addr", "127.0.0.1:0", "--log-level", "error"}, extra...))
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("dev: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("dev did not stop within 30s")
		}
	}
	t.Cleanup(stop)
	var run devRun
	sim := regexp.MustCompile(`emulated at (http://\S+)/v1`)
	js := regexp.MustCompile(`JetStream  (nats://\S+)`)
	waitfor.Until(t, 60*time.Second, func() (bool, string) {
		select {
		case err := <-done:
			t.Fatalf("dev ended: %v\n%s", err, errOut.String())
		default:
		}
		m, n := sim.FindStringSubmatch(out.String()), js.FindStringSubmatch(out.String())
		if m == nil || n == nil {
			return false, "dev has not printed its addresses"
		}
		run = devRun{simURL: m[1], natsURL: n[1], stop: stop}
		if c := consoleLine.FindStringSubmatch(out.String()); c != nil {
			run.consoleURL = c[1]
		}
		return true, ""
	})
	return run
}

// consoleLine is where dev mode's start-up hint names the operations view.
var consoleLine = regexp.MustCompile(`console    (http://\S+)`)

// Dev mode restarted on the same data keeps an emulator that agrees with
// its stream: an event replayed after the restart is handled as before,
// not dead-lettered for a message the emulator forgot.
func TestDevRestartKeepsTheEmulatorAndTheStreamInStep(t *testing.T) {
	if testing.Short() {
		t.Skip("runs dev mode twice")
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	first := startDev(t, dataDir)
	sc := simClient{base: first.simURL, http: &http.Client{Timeout: 10 * time.Second}}
	sent, err := sc.post(ctx, emulator.UserMessage{Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.awaitReply(ctx, sent); err != nil {
		t.Fatal(err)
	}
	first.stop()

	second := startDev(t, dataDir)
	sc = simClient{base: second.simURL, http: &http.Client{Timeout: 10 * time.Second}}
	if out, errOut, err := runCLI(t, "replay", "--worker", "echo", "--since", "1h", "--force", "--nats-url", second.natsURL); err != nil {
		t.Fatalf("replay: %v\n%s\n%s", err, out, errOut)
	}
	waitfor.Until(t, 30*time.Second, func() (bool, string) {
		msgs, err := sc.room(ctx, sent.RoomID)
		if err != nil {
			return false, err.Error()
		}
		replies := 0
		for _, m := range msgs {
			if m.PersonEmail == emulator.DefaultBotEmail {
				replies++
			}
		}
		if n := deadLetters(t, second.natsURL); n != 0 {
			t.Fatalf("%d dead letters after the replay", n)
		}
		return replies == 2, fmt.Sprintf("%d replies in the room, want the first and the replay's", replies)
	})
}

// deadLetters counts the messages of WEBEX_DLQ.
func deadLetters(t *testing.T, natsURL string) uint64 {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, events.DLQStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}
