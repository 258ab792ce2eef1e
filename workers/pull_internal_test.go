package workers

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestReviewEndedRequests: how the pull loop reads the pull requests that
// ended since its last request.
func TestReviewEndedRequests(t *testing.T) {
	other := errors.New("connection reset")
	tests := []struct {
		name       string
		results    []error
		wantGone   bool
		wantFailed error
	}{
		{"none", nil, false, nil},
		{"all fine", []error{nil, nil}, false, nil},
		{"partition moved", []error{jetstream.ErrPinIDMismatch}, false, nil},
		{"one failed", []error{nil, other, nil}, false, other},
		{"consumer deleted", []error{jetstream.ErrConsumerDeleted}, true, jetstream.ErrConsumerDeleted},
		{"no responders among failures", []error{other, nats.ErrNoResponders, other}, true, nats.ErrNoResponders},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Runner{log: slog.New(slog.DiscardHandler)}
			pause := backoff.NewExponentialBackOff()
			gone, failed := r.review(tt.results, pause)
			if gone != tt.wantGone || !errors.Is(failed, tt.wantFailed) || (failed == nil) != (tt.wantFailed == nil) {
				t.Errorf("review = %v, %v; want %v, %v", gone, failed, tt.wantGone, tt.wantFailed)
			}
		})
	}
}

// TestReviewResetsThePauseAfterSuccess: a request that ended well starts
// the backoff from the beginning again.
func TestReviewResetsThePauseAfterSuccess(t *testing.T) {
	r := &Runner{log: slog.New(slog.DiscardHandler)}
	pause := &backoff.ExponentialBackOff{
		InitialInterval: 100 * time.Millisecond, Multiplier: 2, MaxInterval: time.Second,
		Stop: backoff.Stop, Clock: backoff.SystemClock,
	}
	pause.Reset()
	pause.NextBackOff()
	pause.NextBackOff()
	r.review([]error{nil}, pause)
	if got := pause.NextBackOff(); got != 100*time.Millisecond {
		t.Errorf("after a good request the next pause is %s, want 100ms", got)
	}
}

func TestBatchResultsTakeEmpties(t *testing.T) {
	var b batchResults
	b.add(nil)
	b.add(errors.New("x"))
	if got := b.take(); len(got) != 2 {
		t.Fatalf("took %d results, want 2", len(got))
	}
	if got := b.take(); len(got) != 0 {
		t.Fatalf("took %d results after taking all, want 0", len(got))
	}
}
