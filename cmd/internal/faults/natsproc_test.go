package faults

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// buildNATSServer builds the nats-server of go.mod, for the tests that
// kill it with SIGKILL: an embedded server dies with the test.
func buildNATSServer(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "nats-server")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2").CombinedOutput(); err != nil {
		t.Fatalf("go build nats-server: %v\n%s", err, out)
	}
	return bin
}

// natsProcess is a nats-server running as a process of its own.
type natsProcess struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

// startNATSProcess runs nats-server with JetStream on port and storeDir,
// with the server's default storage settings (as a deployment without a
// sync setting would), and waits until JetStream answers.
func startNATSProcess(t *testing.T, bin string, port int, storeDir string) *natsProcess {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "nats.conf")
	body := fmt.Sprintf("listen: 127.0.0.1:%d\njetstream {\n  store_dir: %q\n}\n", port, storeDir)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &natsProcess{cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	deadline := time.Now().Add(time.Minute)
	for {
		if jetStreamReady(port) {
			return p
		}
		select {
		case <-p.exited:
			t.Fatal("nats-server exited at start")
		default:
		}
		if time.Now().After(deadline) {
			p.kill()
			t.Fatal("nats-server: JetStream not ready within a minute")
		}
		time.Sleep(50 * time.Millisecond) // poll interval, bounded by the deadline
	}
}

// jetStreamReady reports whether JetStream answers on port.
func jetStreamReady(port int) bool {
	nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", port), nats.Timeout(time.Second))
	if err != nil {
		return false
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = js.AccountInfo(ctx)
	return err == nil
}

// kill ends the server with SIGKILL, as an OOM kill or a crash of the
// process would (not of the machine: what it wrote stays in the page
// cache), and waits until it is gone.
func (p *natsProcess) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// freePort returns a loopback port nobody listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
