package procrun

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestExitErrorGivesTheLastLogLine(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh here")
	}
	p, err := Start(t.TempDir(), "failing", sh, []string{"PATH=" + os.Getenv("PATH")}, "-c", "echo starting; echo 'no NATS_URL' >&2; exit 1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	if err := Poll(context.Background(), "exit", 10*time.Second, p.Exited); err != nil {
		t.Fatal(err)
	}
	if got := p.ExitError().Error(); got != "failing exited: no NATS_URL" {
		t.Errorf("ExitError = %q, want the name and the last log line", got)
	}
}

func TestPollGivesUpAtTheLimit(t *testing.T) {
	err := Poll(context.Background(), "never", 120*time.Millisecond, func() bool { return false })
	if err == nil || !strings.Contains(err.Error(), "never: not within 120ms") {
		t.Errorf("Poll = %v, want the limit named", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Poll(ctx, "cancelled", time.Minute, func() bool { return false }); !errors.Is(err, context.Canceled) {
		t.Errorf("Poll with an ended context = %v, want context.Canceled", err)
	}
}
