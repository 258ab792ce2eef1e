// Package webex is a small typed client for the parts of the Webex REST API
// that webexpipe's workers use: the bot's own identity, messages, attachment
// actions (card submissions) and webhooks.
//
// The client never retries. Webex has no idempotency key, so a POST repeated
// after a timeout can post twice; whether and when to try again is the
// caller's decision, made from the error:
//
//   - *APIError: Webex answered with a failure status. Retryable (429, 423,
//     500, 502, 503, 504; RetryAfter says how long Webex asked to wait) or
//     Permanent (everything else).
//   - *TransportError: no answer was received (network failure, timeout).
//     Always retryable, but see OutcomeUnknown.
//   - ErrInvalidRequest: rejected before anything was sent.
//
// IsRetryable and OutcomeUnknown classify any error the client returns.
// (Below the client, Go's HTTP transport may resend a request on a stale
// keep-alive connection, but only a GET-like request or one it knows the
// server never received; a POST is never repeated.)
//
// Every call is bounded by Config.Timeout, and response bodies are read with
// a size limit. The bot token is sent only to the configured base URL (paging
// links to another host are refused) and never appears in an error or in the
// String form of Config or Client. Webhook secrets are redacted the same way
// from error messages; Webhook values print and log without their secret.
package webex
