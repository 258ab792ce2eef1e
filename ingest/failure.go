package ingest

import (
	"context"
	"errors"
	"net/http"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// failureKind names why an event was not stored; it is the "kind" label of
// webexpipe_ingest_publish_errors_total.
type failureKind string

const (
	failTimeout      failureKind = "timeout"
	failCanceled     failureKind = "canceled"
	failNoResponders failureKind = "no_responders"
	failNotConnected failureKind = "not_connected"
	failTooLarge     failureKind = "too_large"
	failRejected     failureKind = "rejected"
	failOther        failureKind = "other"
)

// jsErrCodeHeaderExceedsMaximum is nats-server's JSStreamHeaderExceedsMaximumErr,
// which nats.go does not name.
const jsErrCodeHeaderExceedsMaximum jetstream.ErrorCode = 10097

var allFailureKinds = []failureKind{
	failTimeout, failCanceled, failNoResponders, failNotConnected, failTooLarge, failRejected, failOther,
}

// failure is how a publish error is answered.
type failure struct {
	kind   failureKind
	status int    // 503, or 413 when the event can never fit
	reason string // short, safe to show the client
}

// classify maps a publish error to its answer. Only an event that can never
// be stored (larger than NATS or the stream allows) gets a 4xx; everything
// else may work later and gets 503 with Retry-After.
func classify(err error) failure {
	apiErr, isAPI := errors.AsType[*jetstream.APIError](err)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		return failure{failTimeout, http.StatusServiceUnavailable, "timed out waiting for JetStream"}
	case errors.Is(err, context.Canceled):
		return failure{failCanceled, http.StatusServiceUnavailable, "request ended before JetStream answered"}
	case errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders):
		return failure{failNoResponders, http.StatusServiceUnavailable, "no JetStream stream answered"}
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, jetstream.ErrConnectionClosed),
		errors.Is(err, nats.ErrConnectionDraining), errors.Is(err, nats.ErrReconnectBufExceeded),
		errors.Is(err, nats.ErrDisconnected), errors.Is(err, nats.ErrConnectionReconnecting):
		return failure{failNotConnected, http.StatusServiceUnavailable, "NATS connection unavailable"}
	case errors.Is(err, nats.ErrMaxPayload):
		return failure{failTooLarge, http.StatusRequestEntityTooLarge, "event larger than NATS accepts"}
	case isAPI && apiErr.ErrorCode == jetstream.JSErrCodeStreamMessageExceedsMaximum:
		return failure{failTooLarge, http.StatusRequestEntityTooLarge, "event larger than the stream accepts"}
	case isAPI && apiErr.ErrorCode == jsErrCodeHeaderExceedsMaximum:
		// headersFit refuses such an event first; this covers a server
		// whose limit is lower.
		return failure{failTooLarge, http.StatusRequestEntityTooLarge, "event headers larger than JetStream accepts"}
	case isAPI:
		// The server's own description (e.g. "maximum messages exceeded")
		// says what an operator must fix; it holds nothing from the request.
		return failure{failRejected, http.StatusServiceUnavailable, "JetStream refused it: " + truncate(apiErr.Description, 80)}
	}
	return failure{failOther, http.StatusServiceUnavailable, "publish failed"}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
