// Package procrun runs webexpipe's binaries, and nats-server, as processes
// of their own for the measuring commands (loadrun, scalebench): each with
// its output in a log file, stopped with SIGTERM as an orchestrator would.
// Tests use cmd/internal/proctest instead.
package procrun

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Process is a binary started with Start, its output in a log file.
type Process struct {
	// Name is what Start was given; LogPath is where the output goes.
	Name    string
	LogPath string

	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited
}

// Start runs bin with exactly env as its environment and its output in
// dir/name.log.
func Start(dir, name, bin string, env []string, args ...string) (*Process, error) {
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, LogPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, nil
}

// PID is the process's id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ExitError says that p exited, with the last line of its log (the
// reason a binary gives when it stops on an error), since the log itself
// may go with the work directory.
func (p *Process) ExitError() error {
	b, _ := os.ReadFile(p.LogPath)
	last := strings.TrimSpace(string(b))
	if i := strings.LastIndexByte(last, '\n'); i >= 0 {
		last = last[i+1:]
	}
	return fmt.Errorf("%s exited: %s", p.Name, last)
}

// Stop asks the process to shut down (SIGTERM, as an orchestrator does)
// and kills it if it has not within 15 s.
func (p *Process) Stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(15 * time.Second)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// StopAll stops processes in parallel: replicas of one kind need not wait
// for each other.
func StopAll(ps []*Process) {
	done := make(chan struct{}, len(ps))
	for _, p := range ps {
		go func() { p.Stop(); done <- struct{}{} }()
	}
	for range ps {
		<-done
	}
}

// FreePort returns a loopback port nobody listens on now.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Poll calls ok every 50 ms until it reports true, for at most limit.
func Poll(ctx context.Context, what string, limit time.Duration, ok func() bool) error {
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not within %s", what, limit)
		}
		if err := Pause(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

// Pause waits d, or less when ctx ends first.
func Pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
