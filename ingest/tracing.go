package ingest

import (
	"context"
	"net/http"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/webexpipe/webexpipe/events"
)

// tracerName is the instrumentation scope of ingest's spans.
const tracerName = "github.com/webexpipe/webexpipe/ingest"

// spanName names the span of every delivery, whatever becomes of it.
const spanName = "ingest webhook"

// traceContext is the one format ingest reads and writes: W3C Trace
// Context, whatever propagators the process installed.
var traceContext propagation.TraceContext

var spanKindServer = trace.WithSpanKind(trace.SpanKindServer)

// startSpan starts the span of one delivery and returns r carrying it.
//
// A traceparent on the request is not trusted: anyone who can reach the
// port can send one, and the signature does not cover headers. Taken as
// the parent it would let a caller put deliveries in a trace of its
// choosing and, through its sampled flag, decide what is recorded. It
// becomes a link instead (without its tracestate), which keeps the trace
// of a proxy in front of ingest one click away and decides nothing.
//
// With tracing off the span is a no-op, its context invalid, and r is
// returned as it is.
func (s *Service) startSpan(r *http.Request, route string) (*http.Request, trace.Span) {
	var ctx context.Context
	var span trace.Span
	if remote := requestTrace(r); remote.IsValid() {
		link := trace.Link{SpanContext: remote.WithTraceState(trace.TraceState{})}
		ctx, span = s.tracer.Start(r.Context(), spanName, spanKindServer, trace.WithLinks(link))
	} else {
		ctx, span = s.tracer.Start(r.Context(), spanName, spanKindServer)
	}
	if !span.SpanContext().IsValid() {
		return r, span
	}
	if span.IsRecording() {
		span.SetAttributes(
			attribute.String("http.request.method", r.Method),
			attribute.String("http.route", route),
		)
	}
	return r.WithContext(ctx), span
}

// requestTrace is the trace context the request came with, if any.
func requestTrace(r *http.Request) trace.SpanContext {
	if r.Header.Get("Traceparent") == "" {
		return trace.SpanContext{}
	}
	return trace.SpanContextFromContext(traceContext.Extract(context.Background(), propagation.HeaderCarrier(r.Header)))
}

// traceEnvelope notes what a delivery announced, and its bot, once it
// passed the signature check.
func traceEnvelope(ctx context.Context, bot string, env *events.Envelope) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(attribute.String("webex.resource", env.Resource), attribute.String("webex.event", env.Event),
			attribute.String("webexpipe.bot", bot))
	}
}

// traceStored puts the trace context of the delivery's span on the
// message that stores it, so the workers' spans join its trace. Nothing
// is added when tracing is off: the stored headers are then as before.
func traceStored(ctx context.Context, msg *nats.Msg) {
	traceContext.Inject(ctx, events.TraceCarrier(msg.Header))
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(
			attribute.String("messaging.destination.name", msg.Subject),
			attribute.String("messaging.message.id", msg.Header.Get(events.HeaderMsgID)),
		)
	}
}

// traceAnswer notes the answer of a delivery: its status and the outcome
// it is counted under (webexpipe_ingest_requests_total), and seq when it
// was stored. A 5xx is an error of the span; a refusal (4xx) is the
// sender's, not ingest's.
func traceAnswer(ctx context.Context, status int, outcome string, seq uint64) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(attribute.Int("http.response.status_code", status), attribute.String("webexpipe.outcome", outcome))
	if seq != 0 {
		span.SetAttributes(attribute.Int64("webexpipe.stream_seq", int64(seq)))
	}
	if status >= 500 {
		span.SetStatus(codes.Error, outcome)
	}
}
