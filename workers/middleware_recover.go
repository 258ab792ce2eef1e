package workers

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
)

// Recover turns a panic in the wrapped handler into an error wrapping
// ErrPanic, which is retried like any other. The panic is logged with its
// stack. It should wrap every other middleware that may panic (the runner
// puts only Tracing, which records the error it returns, outside it).
func Recover(log *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, ev *Event) (err error) {
			defer func() {
				p := recover()
				if p == nil {
					return
				}
				log.Error("handler panicked",
					"subject", ev.Subject, "stream_seq", ev.StreamSeq, "delivered", ev.Delivered,
					"dedup_key", ev.DedupKey, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				err = fmt.Errorf("%w: %v", ErrPanic, p)
			}()
			return next.Handle(ctx, ev)
		})
	}
}
