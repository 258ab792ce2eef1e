package webexcall

import (
	"errors"
	"fmt"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// LagDeliveries is how many deliveries a 404 for an object a webhook has
// just announced is taken for replication lag inside Webex and retried
// before it counts as permanent.
const LagDeliveries = 3

// ClassifyFetch classifies a failed GET of an object a webhook announced
// (a message, an attachment action): Webex may not serve it right after
// the webhook, so a 404 on one of the first LagDeliveries deliveries is
// retried with backoff; anything else is Classify'd. what names the
// fetch in the error.
func ClassifyFetch(what string, err error, delivered uint64) error {
	err = fmt.Errorf("%s: %w", what, err)
	var apiErr *webex.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == 404 && delivered < LagDeliveries {
		return err
	}
	return Classify(err)
}
