// Package ingest is the HTTP front door of webexpipe. It receives Webex
// webhook deliveries, checks them (method, media type, size, signature,
// envelope), stores the raw body in the WEBEX_EVENTS stream and answers
// Webex only after JetStream acknowledged the event.
//
// Its one promise: a 2xx answer means the event is stored. Every other
// answer carries a short JSON reason, a log line and a metric, and leaves
// nothing behind. Webex disables a webhook after 100 failed deliveries in
// five minutes and is not known to re-send a failed one, so failures are
// kept rare and explained, never hidden behind a 200.
//
// A Service is built with New and served with Serve or ListenAndServe; both
// stop gracefully when their context is cancelled. The caller owns the NATS
// connection and closes it after Serve returned.
package ingest
