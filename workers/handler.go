package workers

import "context"

// Handler handles one event for a worker type. It returns nil when the event
// is done, or an error whose kind tells the runner what to do next (see
// Permanent, RetryAfter, Ignore; any other error is retried with backoff).
//
// Handle may be called concurrently for different events. It must respect
// ctx, which ends at Config.HandlerTimeout or when a shutdown's drain times
// out, and must not sleep to wait out a backoff: return RetryAfter instead.
type Handler interface {
	Handle(ctx context.Context, ev *Event) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, ev *Event) error

// Handle calls f(ctx, ev).
func (f HandlerFunc) Handle(ctx context.Context, ev *Event) error { return f(ctx, ev) }

// Middleware wraps a Handler with cross-cutting behaviour.
type Middleware func(Handler) Handler

// Chain wraps h in m, the first middleware outermost: Chain(h, a, b) runs a,
// which calls b, which calls h.
func Chain(h Handler, m ...Middleware) Handler {
	for i := len(m) - 1; i >= 0; i-- {
		h = m[i](h)
	}
	return h
}
