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
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/webextest"
)

// TestBinaries runs the production binaries, ingest and echo-worker, as
// separate processes configured only through the environment, against an
// embedded JetStream and the emulator: a user's message gets its reply, both
// stop cleanly on SIGTERM, and no log line holds the token or the secret.
func TestBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binaries")
	}
	dir := t.TempDir()
	ingestBin := build(t, dir, "../ingest")
	workerBin := build(t, dir, ".")

	nats := localnats.StartTest(t)
	const token = "tok-4f1c9a7be2d8-never-log-me"
	const secret = "sec-91b0c6e5aa3f-never-log-me"
	sim := webextest.NewTest(t, webextest.Options{Token: token})

	in := start(t, ingestBin, "NATS_URL="+nats.ClientURL(), "WEBEX_WEBHOOK_SECRET="+secret, "LISTEN_ADDR=127.0.0.1:0")
	addr := in.await(t, regexp.MustCompile(`msg="ingest listening".* addr=(\S+)`))
	worker := start(t, workerBin, "NATS_URL="+nats.ClientURL(), "WEBEX_TOKEN="+token, "WEBEX_API_URL="+sim.URL(),
		"METRICS_ADDR=127.0.0.1:0", "LOG_LEVEL=debug", "ECHO_MODE=text")
	worker.await(t, regexp.MustCompile(`msg="worker started"()`))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: token})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateWebhook(ctx, webex.WebhookRequest{Name: "binaries", TargetURL: "http://" + addr + "/webhooks/webex",
		Resource: "messages", Event: "created", Secret: secret}); err != nil {
		t.Fatal(err)
	}
	sent, err := sim.PostAsUser(webextest.UserMessage{Text: "hello binaries"})
	if err != nil {
		t.Fatal(err)
	}
	var reply webex.Message
	deadline := time.Now().Add(10 * time.Second)
	for reply.ID == "" {
		if time.Now().After(deadline) {
			t.Fatal("no reply within 10s")
		}
		for _, m := range sim.RoomMessages(sent.RoomID) {
			if m.PersonID == sim.Bot().ID {
				reply = m
			}
		}
		time.Sleep(20 * time.Millisecond) // poll interval, bounded by the deadline
	}
	if !strings.Contains(reply.Markdown, "hello binaries") || strings.Contains(reply.Markdown, "```") {
		t.Errorf("ECHO_MODE=text not applied; reply:\n%s", reply.Markdown)
	}

	for _, p := range []*process{in, worker} {
		p.stop(t)
		for _, s := range []string{token, secret} {
			if strings.Contains(p.output(), s) {
				t.Errorf("%s logged a secret", p.name)
			}
		}
	}
}

func build(t *testing.T, dir, pkg string) string {
	t.Helper()
	abs, err := filepath.Abs(pkg)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, filepath.Base(abs))
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// process is a running binary whose stderr is kept and scanned.
type process struct {
	name   string
	cmd    *exec.Cmd
	exited chan error

	mu    sync.Mutex // guards lines
	lines []string
	added chan struct{} // signalled when a line is added
}

func start(t *testing.T, bin string, env ...string) *process {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(withoutConfig(os.Environ()), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{name: filepath.Base(bin), cmd: cmd, exited: make(chan error, 1), added: make(chan struct{}, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		p.collect(stderr)
	}()
	go func() {
		<-read
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		if t.Failed() {
			t.Logf("%s output:\n%s", p.name, p.output())
		}
	})
	return p
}

func (p *process) collect(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		p.mu.Lock()
		p.lines = append(p.lines, sc.Text())
		p.mu.Unlock()
		select {
		case p.added <- struct{}{}:
		default:
		}
	}
}

// await waits for a line matching re and returns its first group.
func (p *process) await(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		p.mu.Lock()
		for _, l := range p.lines {
			if m := re.FindStringSubmatch(l); m != nil {
				p.mu.Unlock()
				return m[1]
			}
		}
		p.mu.Unlock()
		select {
		case <-p.added:
		case err := <-p.exited:
			t.Fatalf("%s exited (%v) before logging %s", p.name, err, re)
		case <-timeout:
			t.Fatalf("%s: no line matching %s within 60s", p.name, re)
		}
	}
}

func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("%s exited with %v after SIGTERM", p.name, err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("%s did not stop within 30s of SIGTERM", p.name)
	}
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// withoutConfig drops webexpipe settings a developer's shell may carry.
func withoutConfig(env []string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "WEBEX_") || strings.HasPrefix(name, "NATS_") || strings.HasPrefix(name, "LISTEN_") ||
			strings.HasPrefix(name, "METRICS_") || strings.HasPrefix(name, "ECHO_") || strings.HasPrefix(name, "LOG_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}
