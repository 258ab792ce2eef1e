package workers

import "context"

// eventKey is the context key of the event being handled.
type eventKey struct{}

// ContextWithEvent returns ctx carrying ev. The runner does this for every
// Handle call; tests and code that calls a handler by hand may too.
func ContextWithEvent(ctx context.Context, ev *Event) context.Context {
	return context.WithValue(ctx, eventKey{}, ev)
}

// EventFrom returns the event whose handler ctx belongs to. It lets code
// below a handler, such as a Webex client wrapper that stores a failed call
// for retry, record which event the work came from without every handler
// passing the event along. The event must not be kept after Handle returns.
func EventFrom(ctx context.Context) (*Event, bool) {
	ev, ok := ctx.Value(eventKey{}).(*Event)
	return ev, ok && ev != nil
}
