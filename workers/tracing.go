package workers

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/webexpipe/webexpipe/events"
)

// tracerName is the instrumentation scope of the runtime's spans.
const tracerName = "github.com/webexpipe/webexpipe/workers"

// Tracing starts a span named "handle <worker>" around every handler run.
// Its parent is the trace context stored with the event (the
// events.HeaderTraceParent header ingest sets), so that the delivery,
// the handler and the Webex calls the handler makes (whose spans are the
// handler span's children through ctx) are one trace. A message without
// one, such as a stored call on WEBEX_CALLS, starts a trace of its own.
//
// The span records where the event sits (subject, stream sequence,
// delivery count, dedup key) and what the handler said: attribute
// webexpipe.result is ok, deferred, ignored, duplicate, wait, retry or
// permanent, and the span's status is an error for retry and permanent.
// Neither the body nor the error's text is recorded: both may hold what
// a user wrote.
//
// tp nil means OpenTelemetry's global provider, a no-op unless the
// process installed one. The runner puts Tracing outermost, so its span
// also covers the idempotency check and a panic that Recover turned into
// an error.
func Tracing(tp trace.TracerProvider, worker string) Middleware {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	tracer := tp.Tracer(tracerName)
	name := "handle " + worker
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, ev *Event) error {
			ctx = propagation.TraceContext{}.Extract(ctx, events.TraceCarrier(ev.Header))
			ctx, span := tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindConsumer))
			defer span.End()
			if span.IsRecording() {
				span.SetAttributes(
					attribute.String("messaging.system", "nats"),
					attribute.String("messaging.destination.name", ev.Subject),
					attribute.String("messaging.consumer.group.name", worker),
					attribute.String("messaging.message.id", ev.DedupKey),
					attribute.String("webexpipe.worker", worker),
					attribute.Int64("webexpipe.stream_seq", int64(ev.StreamSeq)),
					attribute.Int64("webexpipe.delivered", int64(ev.Delivered)),
				)
				if ev.Replay {
					span.SetAttributes(attribute.Bool("webexpipe.replay", true))
				}
			}
			err := next.Handle(ctx, ev)
			if span.IsRecording() {
				result := resultOf(err)
				span.SetAttributes(attribute.String("webexpipe.result", result))
				if result == "retry" || result == "permanent" {
					span.SetStatus(codes.Error, result)
				}
			}
			return err
		})
	}
}

// resultOf names what a handler's error asks of the runner, in the order
// the runner settles it.
func resultOf(err error) string {
	switch {
	case err == nil:
		return "ok"
	case IsDeferred(err):
		return "deferred"
	case errors.Is(err, ErrDuplicate):
		return "duplicate"
	case IsIgnored(err):
		return "ignored"
	case IsPermanent(err):
		return "permanent"
	case isPlanned(err):
		return "wait"
	}
	return "retry"
}
