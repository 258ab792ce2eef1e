package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/internal/syncbuf"
)

// TestDevAndSimSend runs what a new user runs: the real webexpipe binary in
// dev mode, then `webexpipe sim send hello`, which must print the echo reply.
// Dev mode serves a second bot (--bot sales) too, which answers its own
// user through its own webhook and token.
func TestDevAndSimSend(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dev := exec.CommandContext(ctx, bin, "dev",
		"--data-dir", filepath.Join(dir, "data"),
		"--nats-port", "-1",
		"--sim-addr", "127.0.0.1:0",
		"--listen-addr", "127.0.0.1:0",
		"--webex-webhook-secret", devSecret,
		"--bot", "sales",
	)
	dev.Env = cleanEnv()
	stdout, err := dev.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncbuf.Buffer
	dev.Stderr = &stderr
	if err := dev.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- dev.Wait() }()
	t.Cleanup(func() {
		dev.Process.Kill()
		if t.Failed() {
			t.Logf("webexpipe dev stderr:\n%s", stderr.String())
		}
	})

	simURL := waitForLine(t, stdout, regexp.MustCompile(`emulated at (http://\S+)/v1`), 60*time.Second)
	go io.Copy(io.Discard, stdout)

	start := time.Now()
	send := exec.CommandContext(ctx, bin, "sim", "send", "--sim-url", simURL, "--timeout", "10s", "hello")
	send.Env = cleanEnv()
	out, err := send.CombinedOutput()
	if err != nil {
		t.Fatalf("sim send: %v\n%s", err, out)
	}
	took := time.Since(start)
	t.Logf("sim send hello: reply after %s (including process start)", took)
	if !strings.Contains(string(out), "hello") || !strings.Contains(string(out), `"resource": "messages"`) {
		t.Fatalf("sim send printed no echo reply:\n%s", out)
	}

	// The second bot answers its user itself: sim send --bot waits for a
	// reply from that bot only.
	toSales := exec.CommandContext(ctx, bin, "sim", "send", "--sim-url", simURL, "--timeout", "10s", "--bot", "sales", "hello sales")
	toSales.Env = cleanEnv()
	out, err = toSales.CombinedOutput()
	if err != nil {
		t.Fatalf("sim send --bot sales: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "hello sales") {
		t.Fatalf("sim send --bot sales printed no echo reply:\n%s", out)
	}

	// A card, and a submission of it, answered in the card's thread.
	card := exec.CommandContext(ctx, bin, "sim", "send", "--sim-url", simURL, "card")
	card.Env = cleanEnv()
	out, err = card.Output()
	if err != nil {
		t.Fatalf("sim send card: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`card message: (\S+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("sim send card printed no card message id:\n%s", out)
	}
	click := exec.CommandContext(ctx, bin, "sim", "click", "--sim-url", simURL, string(m[1]), "action=demo", "name=Ana")
	click.Env = cleanEnv()
	out, err = click.CombinedOutput()
	if err != nil {
		t.Fatalf("sim click: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Ana") {
		t.Fatalf("sim click printed no summary of the submission:\n%s", out)
	}

	// Ctrl-C stops dev mode cleanly.
	if err := dev.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("dev exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("dev did not stop within 30s of SIGINT")
	}
	if !strings.Contains(stderr.String(), "webexpipe dev stopped") {
		t.Errorf("no clean stop logged:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), devSecret) {
		t.Error("the webhook secret reached the log")
	}
}

const devSecret = "dev-secret-0b7d2c4e9f-never-log-me"

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "webexpipe")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cleanEnv drops settings a developer's shell may carry that would change
// what dev mode does (a real token would make it talk to Webex).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "WEBEX_"), strings.HasPrefix(name, "NATS_"), name == "LISTEN_ADDR", name == "SIM_ADDR", name == "DATA_DIR",
			name == "BOTS_FILE", name == "SIM_BOTS", name == "SIM_BOT":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// waitForLine reads r until a line matches re and returns its first group.
func waitForLine(t *testing.T, r io.Reader, re *regexp.Regexp, within time.Duration) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				return
			}
		}
		close(found)
	}()
	select {
	case s, ok := <-found:
		if !ok {
			t.Fatalf("output ended before a line matching %s", re)
		}
		return s
	case <-time.After(within):
		t.Fatalf("no line matching %s within %s", re, within)
	}
	return ""
}
