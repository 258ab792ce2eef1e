package webexcall

import (
	"errors"
	"net/http"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

// NewAttempt describes one try of a call that began at start, took took and
// ended with err (nil: success), for a call record's history.
func NewAttempt(by string, start time.Time, took time.Duration, err error) outbox.Attempt {
	a := outbox.Attempt{At: start.UTC(), By: by, Took: took, Outcome: outbox.OutcomeOK}
	if err == nil {
		return a
	}
	a.Error = err.Error()
	var apiErr *webex.APIError
	if errors.As(err, &apiErr) {
		a.Status, a.TrackingID, a.RetryAfter = apiErr.StatusCode, apiErr.TrackingID, apiErr.RetryAfter
	}
	switch {
	case webex.OutcomeUnknown(err):
		a.Outcome = outbox.OutcomeUnknown
	case apiErr != nil && (apiErr.StatusCode == http.StatusTooManyRequests || apiErr.StatusCode == http.StatusLocked):
		a.Outcome = outbox.OutcomeRateLimited
	case webex.IsRetryable(err):
		a.Outcome = outbox.OutcomeRetryable
	default:
		a.Outcome = outbox.OutcomePermanent
	}
	return a
}
