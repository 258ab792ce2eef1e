package workers_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
)

func TestTracingSpanPerHandlerRun(t *testing.T) {
	const (
		traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
		spanID  = "00f067aa0ba902b7"
	)
	tests := []struct {
		name       string
		err        error
		wantResult string
		wantError  bool
	}{
		{name: "success", wantResult: "ok"},
		{name: "plain error is retried", err: errors.New("boom"), wantResult: "retry", wantError: true},
		{name: "permanent", err: workers.Permanent(errors.New("bad")), wantResult: "permanent", wantError: true},
		{name: "ignored", err: workers.Ignore("own message"), wantResult: "ignored"},
		{name: "deferred", err: workers.Deferred(errors.New("stored")), wantResult: "deferred"},
		{name: "planned wait", err: workers.Wait(nil, time.Second), wantResult: "wait"},
		{name: "retry after", err: workers.RetryAfter(errors.New("429"), time.Second), wantResult: "retry", wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
			var inHandler trace.SpanContext
			h := workers.Chain(workers.HandlerFunc(func(ctx context.Context, _ *workers.Event) error {
				inHandler = trace.SpanContextFromContext(ctx)
				return tt.err
			}), workers.Tracing(tp, "echo"))
			ev := &workers.Event{
				Subject: "webex.events.messages.created.3", StreamSeq: 42, Delivered: 2, DedupKey: "messages:created:m1",
				Header: nats.Header{events.HeaderTraceParent: []string{"00-" + traceID + "-" + spanID + "-01"}},
			}
			if err := h.Handle(context.Background(), ev); !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v passed through", err, tt.err)
			}
			spans := rec.Ended()
			if len(spans) != 1 {
				t.Fatalf("%d spans, want 1", len(spans))
			}
			s := spans[0]
			if s.Name() != "handle echo" || s.SpanKind() != trace.SpanKindConsumer {
				t.Errorf("span %q kind %v", s.Name(), s.SpanKind())
			}
			if s.Parent().TraceID().String() != traceID || s.Parent().SpanID().String() != spanID || !s.Parent().IsRemote() {
				t.Errorf("parent %v, want the stored trace context", s.Parent())
			}
			if inHandler.SpanID() != s.SpanContext().SpanID() {
				t.Error("the handler's context does not carry the span")
			}
			got := map[string]string{}
			for _, kv := range s.Attributes() {
				got[string(kv.Key)] = kv.Value.Emit()
			}
			for k, want := range map[string]string{
				"webexpipe.result": tt.wantResult, "webexpipe.worker": "echo", "webexpipe.stream_seq": "42",
				"webexpipe.delivered": "2", "messaging.destination.name": ev.Subject, "messaging.message.id": ev.DedupKey,
			} {
				if got[k] != want {
					t.Errorf("%s = %q, want %q", k, got[k], want)
				}
			}
			if (s.Status().Code == codes.Error) != tt.wantError {
				t.Errorf("status %v, want error %v", s.Status(), tt.wantError)
			}
			if tt.err != nil && s.Status().Description != "" && s.Status().Description != tt.wantResult {
				t.Errorf("status description %q carries more than the result", s.Status().Description)
			}
		})
	}
}

// A message stored without trace context (a call record) starts a trace.
func TestTracingWithoutStoredContextStartsATrace(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	h := workers.Chain(workers.HandlerFunc(func(context.Context, *workers.Event) error { return nil }), workers.Tracing(tp, "retry"))
	if err := h.Handle(context.Background(), &workers.Event{Subject: "webex.calls.echo.abc"}); err != nil {
		t.Fatal(err)
	}
	if spans := rec.Ended(); len(spans) != 1 || spans[0].Parent().IsValid() {
		t.Fatalf("spans %v, want one root span", spans)
	}
}
