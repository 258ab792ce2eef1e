package webexcall

import (
	"errors"

	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// Classify turns a Webex call's error into the runtime's error kinds, for a
// handler to return: a Retry-After from Webex (429, 423) becomes
// workers.RetryAfter; other retryable failures (5xx, no answer) stay plain
// errors, retried with backoff; any other answer from Webex, a request the
// client refused to send, or a response it could not read is
// workers.Permanent. A Deferred error passes through unchanged in meaning:
// the runtime finds it wherever it sits.
func Classify(err error) error {
	var apiErr *webex.APIError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrTokenRefused):
		return waitForToken(err) // the worker's pause, not the event's failure
	case errors.As(err, &apiErr) && apiErr.RetryAfter > 0:
		return workers.RetryAfter(err, apiErr.RetryAfter)
	case webex.IsRetryable(err):
		return err
	case errors.As(err, &apiErr), errors.Is(err, webex.ErrInvalidRequest), errors.Is(err, webex.ErrUnexpectedResponse):
		return workers.Permanent(err)
	}
	return err
}
