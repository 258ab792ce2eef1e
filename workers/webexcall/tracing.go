package webexcall

import (
	"context"
	"errors"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

// tracerName is the instrumentation scope of the Webex call spans.
const tracerName = "github.com/webexpipe/webexpipe/workers/webexcall"

// traceContext is the format a call record keeps its trace context in.
var traceContext propagation.TraceContext

// startCallSpan starts the client span of one request to Webex, named
// "webex METHOD /path/{id}" after the path's template (ids would make
// every name unique). Its parent is ctx's span: the handler's, when the
// call is made while handling an event. rec, when the call is a stored
// one made again, links it to the handler that first made it.
func (c *Client) startCallSpan(ctx context.Context, method, tmpl string, rec *outbox.Call) (context.Context, trace.Span) {
	ctx, span := c.tracer.Start(ctx, "webex "+method+" "+tmpl,
		trace.WithSpanKind(trace.SpanKindClient), trace.WithLinks(recordLinks(rec)...))
	if span.IsRecording() {
		span.SetAttributes(
			attribute.String("http.request.method", method),
			attribute.String("url.template", tmpl),
			attribute.String("webexpipe.worker", c.worker),
		)
		if rec != nil {
			span.SetAttributes(attribute.String("webexpipe.call_id", rec.ID), attribute.Int("webexpipe.attempt", rec.Attempts+1))
		}
	}
	return ctx, span
}

// endCallSpan notes how the call ended and ends its span. What Webex
// answered is recorded by status and tracking id, never by its message
// or the request's body.
func endCallSpan(span trace.Span, err error) {
	defer span.End()
	if !span.IsRecording() || err == nil {
		return
	}
	var apiErr *webex.APIError
	var te *webex.TransportError
	switch {
	case errors.As(err, &apiErr):
		span.SetAttributes(attribute.Int("http.response.status_code", apiErr.StatusCode))
		if apiErr.TrackingID != "" {
			span.SetAttributes(attribute.String("webex.tracking_id", apiErr.TrackingID))
		}
		span.SetStatus(codes.Error, http.StatusText(apiErr.StatusCode))
	case errors.As(err, &te):
		span.SetAttributes(attribute.Bool("webex.outcome_unknown", te.OutcomeUnknown))
		span.SetStatus(codes.Error, "no answer")
	default:
		span.SetStatus(codes.Error, "failed")
	}
}

// traceRecord keeps the trace context of ctx's span (the handler's) in
// a call about to be stored, so that whoever makes the call later can
// link to the trace of the event that caused it.
func traceRecord(ctx context.Context, rec *outbox.Call) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return
	}
	carrier := propagation.MapCarrier{}
	traceContext.Inject(ctx, carrier)
	rec.Trace = carrier
}

// recordLinks links to the trace a stored call came from, if it kept one.
func recordLinks(rec *outbox.Call) []trace.Link {
	if rec == nil || len(rec.Trace) == 0 {
		return nil
	}
	sc := trace.SpanContextFromContext(traceContext.Extract(context.Background(), propagation.MapCarrier(rec.Trace)))
	if !sc.IsValid() {
		return nil
	}
	return []trace.Link{{SpanContext: sc}}
}

// LinkCall links ctx's span, the retry worker's handler span for rec, to
// the trace of the handler that stored rec, and names the call on it:
// every run of the retry worker's handler for a call, those that only
// wait included, then leads back to the event that caused it.
func LinkCall(ctx context.Context, rec *outbox.Call) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	for _, l := range recordLinks(rec) {
		span.AddLink(l)
	}
	span.SetAttributes(attribute.String("webexpipe.call_id", rec.ID))
}
