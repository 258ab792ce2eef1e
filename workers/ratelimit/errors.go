package ratelimit

import (
	"errors"
	"fmt"
	"time"
)

// ErrPaused means a call was not sent because the bot's token is paused.
// The error returned by Check is a *PausedError matching it with errors.Is.
var ErrPaused = errors.New("webex calls paused after a rate limit")

// PausedError is returned by Check while the token is paused.
type PausedError struct {
	// Until is when the pause ends.
	Until time.Time
	// Remaining is how long the pause still lasts, as of the check.
	Remaining time.Duration
}

func (e *PausedError) Error() string {
	return fmt.Sprintf("%v: %s left (until %s)", ErrPaused, e.Remaining.Round(time.Millisecond), e.Until.UTC().Format(time.RFC3339Nano))
}

// Is makes errors.Is(err, ErrPaused) true.
func (e *PausedError) Is(target error) bool { return target == ErrPaused }
