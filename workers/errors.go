package workers

import (
	"errors"
	"time"
)

// Sentinel errors. Match them with errors.Is.
var (
	// ErrDuplicate marks an event whose idempotency marker says it was
	// already processed. It is an ignored outcome: the event is acked and
	// counted as "duplicate".
	ErrDuplicate = errors.New("already processed")
	// ErrPanic wraps the value a handler panicked with; it is retried.
	ErrPanic = errors.New("handler panicked")
	// ErrDrainTimeout is returned by Run when in-flight handlers did not
	// finish within Config.DrainTimeout after shutdown began.
	ErrDrainTimeout = errors.New("drain timeout")
	// ErrAlreadyRunning is returned by Run when the Runner is already running.
	ErrAlreadyRunning = errors.New("runner already running")
)

// kind is what a handler asks the runner to do with a failed event.
type kind int

const (
	kindPermanent kind = iota + 1
	kindRetryAfter
	kindIgnore
)

// kindError carries a failure kind around the error that caused it. Its
// text is the cause's text, so wrapping changes no log line or DLQ reason.
// When kinds are nested, the outermost wins (errors.As finds it first).
type kindError struct {
	kind    kind
	err     error
	delay   time.Duration // kindRetryAfter only
	planned bool          // kindRetryAfter made by Wait: not a failure
}

func (e *kindError) Error() string { return e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }

// Permanent marks err as one that no retry can fix: the event is copied to
// the worker's DLQ subject and terminated. Permanent(nil) is still a
// failure, so a mistaken nil never turns into an Ack.
func Permanent(err error) error {
	if err == nil {
		err = errors.New("permanent failure")
	}
	return &kindError{kind: kindPermanent, err: err}
}

// RetryAfter asks for the event to be delivered again after d, e.g. the
// Retry-After of a 429. The runner clamps d to [0, Config.Backoff.Max].
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		err = errors.New("retry later")
	}
	return &kindError{kind: kindRetryAfter, err: err, delay: d}
}

// Wait asks, like RetryAfter, for the message to be delivered again after
// d, for a wait that is planned rather than a failure, such as a stored
// call whose next attempt is not due yet. The runner logs it at debug level
// instead of as a warning; it counts as outcome "retry" all the same.
func Wait(reason error, d time.Duration) error {
	if reason == nil {
		reason = errors.New("waiting")
	}
	return &kindError{kind: kindRetryAfter, err: reason, delay: d, planned: true}
}

// isPlanned reports whether err was made by Wait.
func isPlanned(err error) bool {
	var ke *kindError
	return errors.As(err, &ke) && ke.planned
}

// Ignore says the event needs no work (e.g. the bot's own message): it is
// acked and counted as "ignored". reason appears in the log line.
func Ignore(reason string) error {
	return &kindError{kind: kindIgnore, err: errors.New(reason)}
}

// duplicate is what Idempotency returns for an event already processed.
func duplicate() error {
	return &kindError{kind: kindIgnore, err: ErrDuplicate}
}

// Deferred says the rest of the event's work was handed over durably, for
// example a failed Webex call stored on WEBEX_CALLS for the retry worker:
// the event is acked and counted as "deferred", and Idempotency writes its
// marker as for a success, since handling the event again would do the
// handed-over work twice.
//
// Unlike the other kinds, Deferred wins wherever it sits in err's chain: a
// handler that wraps it, even in RetryAfter or Permanent, still has its event
// acked, because nak'ing or dead-lettering an event whose work is already
// stored would repeat that work. Deferred(nil) is still deferred.
func Deferred(err error) error {
	if err == nil {
		err = errors.New("work deferred")
	}
	return &deferredError{err: err}
}

// deferredError marks work handed over durably; see Deferred. It is a type
// of its own, not a kind, so that errors.As finds it below other kinds.
type deferredError struct{ err error }

func (e *deferredError) Error() string { return e.err.Error() }
func (e *deferredError) Unwrap() error { return e.err }

// IsDeferred reports whether err or any error it wraps was made by Deferred.
func IsDeferred(err error) bool {
	var de *deferredError
	return errors.As(err, &de)
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool { return kindOf(err) == kindPermanent }

// IsIgnored reports whether err was made by Ignore or means a duplicate.
func IsIgnored(err error) bool { return kindOf(err) == kindIgnore }

// RetryDelay returns the delay asked for with RetryAfter, unclamped.
func RetryDelay(err error) (time.Duration, bool) {
	var ke *kindError
	if errors.As(err, &ke) && ke.kind == kindRetryAfter {
		return ke.delay, true
	}
	return 0, false
}

func kindOf(err error) kind {
	var ke *kindError
	if errors.As(err, &ke) {
		return ke.kind
	}
	return 0
}
