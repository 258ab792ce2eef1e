package waitfor

import (
	"strings"
	"testing"
	"time"
)

// recorder stands in for a test, to see Until fail.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = format
	if len(args) > 1 {
		r.failed = args[1].(string)
	}
	panic(r)
}

func TestUntilReturnsOnceTheConditionHolds(t *testing.T) {
	calls := 0
	Until(t, time.Second, func() (bool, string) { calls++; return calls == 3, "third call" })
	if calls != 3 {
		t.Fatalf("cond called %d times, want 3", calls)
	}
}

func TestUntilFailsWithTheLastReason(t *testing.T) {
	r := &recorder{TB: t}
	n := 0
	func() {
		defer func() {
			if recover() != r {
				t.Fatal("Until did not fail")
			}
		}()
		Until(r, 30*time.Millisecond, func() (bool, string) { n++; return false, "attempt " + strings.Repeat("i", n) })
	}()
	if want := "attempt " + strings.Repeat("i", n); r.failed != want {
		t.Errorf("failed with %q, want the last reason %q", r.failed, want)
	}
}

func TestTrueNamesWhatWasAwaited(t *testing.T) {
	r := &recorder{TB: t}
	func() {
		defer func() { recover() }()
		True(r, 10*time.Millisecond, "the answer", func() bool { return false })
	}()
	if r.failed != "the answer" {
		t.Errorf("failed with %q", r.failed)
	}
}
