package webex

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

var (
	// ErrInvalidRequest means the client refused a request before sending
	// it: a required field is missing, text is too long, too many
	// attachments. Sending it again unchanged cannot succeed.
	ErrInvalidRequest = errors.New("webex: invalid request")
	// ErrInvalidConfig means New was given an unusable Config.
	ErrInvalidConfig = errors.New("webex: invalid config")
	// ErrUnexpectedResponse means Webex answered 2xx with a body the client
	// cannot use (not the expected JSON, too large, or a paging link to
	// another host). Not retryable.
	ErrUnexpectedResponse = errors.New("unexpected response")
)

// maxMessageBytes bounds the message an APIError carries from Webex.
const maxMessageBytes = 512

// APIError is a failure status answered by Webex. It never carries the token
// or a webhook secret: both are redacted from Message.
type APIError struct {
	Method     string // HTTP method, e.g. "POST"
	Path       string // path relative to the base URL, without the query, e.g. "/messages"
	StatusCode int
	// Message is Webex's explanation: the body's "message", else its
	// "errors" descriptions, else the status text.
	Message string
	// TrackingID identifies the request to Webex support: the TrackingID
	// header, else the body's "trackingId". Log it.
	TrackingID string
	// RetryAfter is how long Webex asked to wait: set for 429 and 423 (from
	// Retry-After, FallbackRetryAfter when it is missing or unreadable, at
	// least MinRetryAfter) and
	// for 503 when Retry-After is present. See ParseRetryAfter.
	RetryAfter time.Duration
}

// UpstreamTrackingID returns TrackingID; through it the worker runtime keeps
// the id with a dead letter without depending on this package.
func (e *APIError) UpstreamTrackingID() string { return e.TrackingID }

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "webex: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.TrackingID != "" {
		b.WriteString(" (trackingId ")
		b.WriteString(e.TrackingID)
		b.WriteString(")")
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Retryable reports whether the same request may succeed later: 429 (rate
// limited) and 423 (locked), after RetryAfter; 500, 502, 503 and 504.
func (e *APIError) Retryable() bool {
	switch e.StatusCode {
	case http.StatusTooManyRequests, http.StatusLocked,
		http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// Permanent reports whether sending the same request again cannot help:
// every status that is not Retryable, that is the 4xx codes other than 423
// and 429, and the rare others (501, 505, an unfollowed 3xx). Every APIError
// is exactly one of Retryable and Permanent.
//
// A 404 for a message or attachment action that a webhook has just announced
// can be replication lag inside Webex rather than a missing object; a caller
// that knows the object should exist may try a few quick times more. The
// client does not special-case it.
func (e *APIError) Permanent() bool { return !e.Retryable() }

// TransportError means no answer came back from Webex: the connection
// failed, or the call's timeout or the caller's context ended first.
// errors.Is(err, context.Canceled) tells the caller's own cancellation apart.
type TransportError struct {
	Method string
	Path   string // relative to the base URL, without the query
	Err    error
	// OutcomeUnknown is set for a request that is not idempotent (a POST)
	// and may have reached Webex: its headers were sent before the failure.
	// Such a request may have taken effect; sending it again may repeat it.
	OutcomeUnknown bool
}

func (e *TransportError) Error() string {
	s := fmt.Sprintf("webex: %s %s: %v", e.Method, e.Path, e.Err)
	if e.OutcomeUnknown {
		s += " (outcome unknown: the request may have reached Webex)"
	}
	return s
}

func (e *TransportError) Unwrap() error { return e.Err }

// IsRetryable reports whether err, returned by a Client method, is worth
// trying again later: an *APIError that is Retryable, or any
// *TransportError. Check OutcomeUnknown before repeating a POST.
func IsRetryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Retryable()
	}
	var te *TransportError
	return errors.As(err, &te)
}

// OutcomeUnknown reports whether err leaves open whether a POST took effect:
// a *TransportError with OutcomeUnknown, or a 502 or 504 answered to a POST
// (a gateway gave up; Webex behind it may have finished). Sending the same
// POST again may, for a message, post it twice: look first (for example with
// ListMessages) or accept the risk knowingly.
func OutcomeUnknown(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return te.OutcomeUnknown
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Method == http.MethodPost &&
			(ae.StatusCode == http.StatusBadGateway || ae.StatusCode == http.StatusGatewayTimeout)
	}
	return false
}

// errorBody is Webex's error body.
type errorBody struct {
	Message json.RawMessage `json:"message"`
	Errors  []struct {
		Description string `json:"description"`
	} `json:"errors"`
	TrackingID string `json:"trackingId"`
}

// newAPIError builds the error for a non-2xx answer from its status, headers
// and (possibly truncated, possibly not JSON) body.
func newAPIError(method, path string, resp *http.Response, body []byte, secrets []string) *APIError {
	e := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil {
		e.Message = messageText(eb)
		e.TrackingID = eb.TrackingID
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	e.Message = redact(e.Message, secrets)
	if len(e.Message) > maxMessageBytes {
		e.Message = strings.ToValidUTF8(e.Message[:maxMessageBytes], "") + "..."
	}
	if tid := resp.Header.Get("TrackingID"); tid != "" {
		e.TrackingID = tid
	}
	e.TrackingID = redact(e.TrackingID, secrets)

	ra, hasRA := resp.Header.Get("Retry-After"), len(resp.Header.Values("Retry-After")) > 0
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusLocked:
		e.RetryAfter = max(ParseRetryAfter(ra), MinRetryAfter)
	case resp.StatusCode == http.StatusServiceUnavailable && hasRA:
		e.RetryAfter = ParseRetryAfter(ra)
	}
	return e
}

// messageText takes the explanation from an error body. "message" is a
// string in the messaging API; some Webex APIs send other shapes, which are
// ignored in favour of "errors".
func messageText(eb errorBody) string {
	var msg string
	if json.Unmarshal(eb.Message, &msg) == nil && strings.TrimSpace(msg) != "" {
		return strings.TrimSpace(msg)
	}
	var parts []string
	for _, d := range eb.Errors {
		if s := strings.TrimSpace(d.Description); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "; ")
}

// redact replaces every occurrence of a secret in s.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}
