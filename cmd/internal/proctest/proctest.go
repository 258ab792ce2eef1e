// Package proctest runs webexpipe's binaries as real processes in tests:
// it builds them, starts them with an environment of the test's choosing,
// waits for log lines, and stops them with SIGTERM as an orchestrator
// would. The binary tests of every cmd/ package share it.
package proctest

import (
	"bufio"
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
)

// Build compiles the main package at pkg (a path relative to the test's
// directory) into dir and returns the binary's path.
func Build(t *testing.T, dir, pkg string) string {
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

// Process is a running binary whose stderr (its log) is kept and scanned.
type Process struct {
	Name string

	cmd    *exec.Cmd
	exited chan error

	mu    sync.Mutex // guards lines
	lines []string
	added chan struct{} // signalled when a line is added
}

// Start runs bin with the test process's environment, less any webexpipe
// setting (see WithoutConfig), plus env. The process is killed when the
// test ends, and its log is shown if the test failed.
func Start(t *testing.T, bin string, env ...string) *Process {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(WithoutConfig(os.Environ()), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &Process{Name: filepath.Base(bin), cmd: cmd, exited: make(chan error, 1), added: make(chan struct{}, 1)}
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
			t.Logf("%s output:\n%s", p.Name, p.Output())
		}
	})
	return p
}

func (p *Process) collect(r io.Reader) {
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

// Await waits up to a minute for a log line matching re and returns its
// first group ("" when re has none). It fails the test if the process
// exits first.
func (p *Process) Await(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		p.mu.Lock()
		for _, l := range p.lines {
			if m := re.FindStringSubmatch(l); m != nil {
				p.mu.Unlock()
				if len(m) > 1 {
					return m[1]
				}
				return ""
			}
		}
		p.mu.Unlock()
		select {
		case <-p.added:
		case err := <-p.exited:
			t.Fatalf("%s exited (%v) before logging %s", p.Name, err, re)
		case <-timeout:
			t.Fatalf("%s: no line matching %s within 60s", p.Name, re)
		}
	}
}

// Stop sends SIGTERM and expects a clean exit within 30 seconds.
func (p *Process) Stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("%s exited with %v after SIGTERM", p.Name, err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("%s did not stop within 30s of SIGTERM", p.Name)
	}
}

// Output is everything the process logged so far.
func (p *Process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// WithoutConfig drops webexpipe settings a developer's shell may carry.
func WithoutConfig(env []string) []string {
	configPrefixes := []string{"WEBEX_", "NATS_", "LISTEN_", "METRICS_", "ECHO_", "CARDS_", "RETRY_", "WORKER_", "LOG_", "EXPECT_", "BOTS_"}
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, p := range configPrefixes {
			if strings.HasPrefix(name, p) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

// StopAll stops every process (see Stop) and fails t if the output of any
// holds one of secrets.
func StopAll(t *testing.T, secrets []string, procs ...*Process) {
	t.Helper()
	for _, p := range procs {
		p.Stop(t)
		for _, s := range secrets {
			if strings.Contains(p.Output(), s) {
				t.Errorf("%s logged a secret", p.Name)
			}
		}
	}
}
