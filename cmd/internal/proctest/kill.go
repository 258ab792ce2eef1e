package proctest

import (
	"testing"
	"time"
)

// Kill ends the process with SIGKILL, as a crash or an out-of-memory kill
// would: no drain, no ack, nothing flushed. It waits until the process is
// gone.
func (p *Process) Kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s still running 10s after SIGKILL", p.Name)
	}
}
