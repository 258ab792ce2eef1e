package retry

import (
	"errors"
	"fmt"

	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

// ErrNotDue means a call was delivered before its next attempt is due; the
// delivery is nak'd until then.
var ErrNotDue = errors.New("call not due yet")

// ErrExhausted means a call failed until its policy's MaxElapsed ran out.
var ErrExhausted = errors.New("retry time used up")

// GaveUpError is the cause of a dead-lettered call: it carries the record
// with every attempt, which becomes the dead letter's body.
type GaveUpError struct {
	Call *outbox.Call
	Err  error // why: the last attempt's error, or ErrExhausted wrapping it
}

func (e *GaveUpError) Error() string {
	return fmt.Sprintf("gave up on call %s (%s %s) after %d attempts: %v", e.Call.ID, e.Call.Method, e.Call.Path, e.Call.Attempts, e.Err)
}

func (e *GaveUpError) Unwrap() error { return e.Err }
