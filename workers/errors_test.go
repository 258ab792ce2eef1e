package workers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"
)

func TestErrorKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		err           error
		wantPermanent bool
		wantIgnored   bool
		wantDelay     time.Duration
		wantRetry     bool
		wantDeferred  bool
		wantPlanned   bool
		wantCause     error // matched with errors.Is
	}{
		{name: "nil", err: nil},
		{name: "plain error", err: io.EOF, wantCause: io.EOF},
		{name: "permanent", err: Permanent(io.EOF), wantPermanent: true, wantCause: io.EOF},
		{name: "permanent nil stays a failure", err: Permanent(nil), wantPermanent: true},
		{name: "wrapped permanent", err: fmt.Errorf("post message: %w", Permanent(io.EOF)), wantPermanent: true, wantCause: io.EOF},
		{name: "retry after", err: RetryAfter(io.EOF, 3*time.Second), wantDelay: 3 * time.Second, wantRetry: true, wantCause: io.EOF},
		{name: "retry after nil stays a failure", err: RetryAfter(nil, time.Second), wantDelay: time.Second, wantRetry: true},
		{name: "ignore", err: Ignore("own message"), wantIgnored: true},
		{name: "duplicate", err: duplicate(), wantIgnored: true, wantCause: ErrDuplicate},
		{name: "outermost kind wins", err: Permanent(RetryAfter(io.EOF, time.Second)), wantPermanent: true, wantCause: io.EOF},
		{name: "context error is retryable", err: context.DeadlineExceeded, wantCause: context.DeadlineExceeded},
		{name: "wait is a planned retry", err: Wait(io.EOF, 2*time.Second), wantDelay: 2 * time.Second, wantRetry: true, wantPlanned: true, wantCause: io.EOF},
		{name: "deferred", err: Deferred(io.EOF), wantDeferred: true, wantCause: io.EOF},
		{name: "deferred nil is still deferred", err: Deferred(nil), wantDeferred: true},
		{name: "deferred below another kind", err: RetryAfter(fmt.Errorf("send: %w", Deferred(io.EOF)), time.Second),
			wantDelay: time.Second, wantRetry: true, wantDeferred: true, wantCause: io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := IsPermanent(tt.err); got != tt.wantPermanent {
				t.Errorf("IsPermanent = %v, want %v", got, tt.wantPermanent)
			}
			if got := IsIgnored(tt.err); got != tt.wantIgnored {
				t.Errorf("IsIgnored = %v, want %v", got, tt.wantIgnored)
			}
			d, ok := RetryDelay(tt.err)
			if d != tt.wantDelay || ok != tt.wantRetry {
				t.Errorf("RetryDelay = %s, %v; want %s, %v", d, ok, tt.wantDelay, tt.wantRetry)
			}
			if got := IsDeferred(tt.err); got != tt.wantDeferred {
				t.Errorf("IsDeferred = %v, want %v", got, tt.wantDeferred)
			}
			if got := isPlanned(tt.err); got != tt.wantPlanned {
				t.Errorf("isPlanned = %v, want %v", got, tt.wantPlanned)
			}
			if tt.wantCause != nil && !errors.Is(tt.err, tt.wantCause) {
				t.Errorf("errors.Is(%v, %v) = false", tt.err, tt.wantCause)
			}
			if tt.err != nil && tt.err.Error() == "" {
				t.Error("error text is empty")
			}
		})
	}
}

func TestKindKeepsCauseText(t *testing.T) {
	t.Parallel()
	if got := Permanent(errors.New("room gone")).Error(); got != "room gone" {
		t.Errorf("Permanent text = %q, want the cause's", got)
	}
	if got := Ignore("own message").Error(); got != "own message" {
		t.Errorf("Ignore text = %q, want the reason", got)
	}
}
