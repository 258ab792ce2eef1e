package ingest_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/ingest"
)

// foreignParent is a traceparent as a caller of ingest may send it, sampled.
const foreignParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

func tracedEnv(t *testing.T) (*testEnv, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return newEnv(t, func(c *ingest.Config) { c.TracerProvider = tp }), rec
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

// A stored delivery's span is a root of ingest's own, linked to (not
// the child of) a traceparent on the request; the stored event carries
// that span's context and is otherwise stored as without tracing.
func TestDeliverySpanAndStoredTraceContext(t *testing.T) {
	e, rec := tracedEnv(t)
	body := webhook("messages", "created", "msg-traced", "room-1")
	h := signedHeaders(body)
	h.Set("Traceparent", foreignParent)
	h.Set("Tracestate", "vendor=secretish")
	r := e.post(t, body, h)
	if r.status != 200 {
		t.Fatalf("answer %d %v", r.status, r.body)
	}
	msg := e.getMsg(t, r)

	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans ended, want 1", len(spans))
	}
	s := spans[0]
	if s.Name() != "ingest webhook" || s.SpanKind() != trace.SpanKindServer {
		t.Errorf("span %q kind %v, want ingest webhook, server", s.Name(), s.SpanKind())
	}
	if s.Parent().IsValid() {
		t.Errorf("the request's traceparent became the parent (%s)", s.Parent().TraceID())
	}
	if s.SpanContext().TraceID().String() == "0af7651916cd43dd8448eb211c80319c" {
		t.Error("the request chose the trace id")
	}
	if len(s.Links()) != 1 || s.Links()[0].SpanContext.TraceID().String() != "0af7651916cd43dd8448eb211c80319c" {
		t.Errorf("links = %v, want one to the request's trace", s.Links())
	} else if ts := s.Links()[0].SpanContext.TraceState().Len(); ts != 0 {
		t.Errorf("the link kept the request's tracestate (%d entries)", ts)
	}
	a := attrs(s)
	for k, want := range map[attribute.Key]string{
		"webexpipe.outcome": "stored", "webex.resource": "messages", "webex.event": "created", "webexpipe.bot": "default",
		"http.route": ingest.DefaultPath, "messaging.destination.name": msg.Subject,
	} {
		if got := a[k].AsString(); got != want {
			t.Errorf("attribute %s = %q, want %q", k, got, want)
		}
	}
	if a["http.response.status_code"].AsInt64() != 200 || a["webexpipe.stream_seq"].AsInt64() != int64(msg.Sequence) {
		t.Errorf("status %v, stream_seq %v; want 200, %d", a["http.response.status_code"], a["webexpipe.stream_seq"], msg.Sequence)
	}

	stored := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), events.TraceCarrier(msg.Header)))
	if stored.TraceID() != s.SpanContext().TraceID() || stored.SpanID() != s.SpanContext().SpanID() {
		t.Errorf("stored traceparent %q is not the delivery's span %s", msg.Header.Get(events.HeaderTraceParent), s.SpanContext().SpanID())
	}
	if msg.Header.Get(events.HeaderTraceState) != "" {
		t.Errorf("the request's tracestate was stored: %q", msg.Header.Get(events.HeaderTraceState))
	}
	env, err := events.Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(msg.Data, body) || msg.Header.Get(events.HeaderMsgID) != events.MsgID(events.DedupKey(env, body)) {
		t.Error("tracing changed the stored body or the dedup id")
	}
}

func TestRefusedDeliverySpan(t *testing.T) {
	e, rec := tracedEnv(t)
	body := webhook("messages", "created", "msg-unsigned", "room-1")
	h := signedHeaders(body)
	h.Set(events.SignatureHeader, "00")
	if r := e.post(t, body, h); r.status != 401 {
		t.Fatalf("answer %d, want 401", r.status)
	}
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans ended, want 1", len(spans))
	}
	a := attrs(spans[0])
	if a["http.response.status_code"].AsInt64() != 401 || a["webexpipe.outcome"].AsString() != "unauthorized" {
		t.Errorf("attributes %v, want status 401, outcome unauthorized", a)
	}
	if _, ok := a["webex.resource"]; ok {
		t.Error("an unverified body's resource was recorded")
	}
}

// A delivery to a bot's path has the route of every bot's path, never
// the id it names.
func TestBotPathSpanRoute(t *testing.T) {
	e, rec := tracedEnv(t)
	body := webhook("messages", "created", "msg-bot-path", "room-1")
	r := do(t, http.MethodPost, e.url+ingest.DefaultPath+"/"+events.DefaultBot, bytes.NewReader(body), signedHeaders(body))
	if r.status != http.StatusOK {
		t.Fatalf("answer %d %v", r.status, r.body)
	}
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans ended, want 1", len(spans))
	}
	a := attrs(spans[0])
	if got, want := a["http.route"].AsString(), ingest.DefaultPath+"/{bot}"; got != want {
		t.Errorf("http.route = %q, want %q", got, want)
	}
	if got := a["webexpipe.bot"].AsString(); got != events.DefaultBot {
		t.Errorf("webexpipe.bot = %q, want %q", got, events.DefaultBot)
	}
}

// With tracing off (the process installed no provider) nothing is added
// to the stored event, whatever the request carries.
func TestTracingOffStoresNoTraceContext(t *testing.T) {
	e := newEnv(t, nil)
	body := webhook("messages", "created", "msg-untraced", "room-1")
	h := signedHeaders(body)
	h.Set("Traceparent", foreignParent)
	msg := e.getMsg(t, e.post(t, body, h))
	for _, k := range []string{events.HeaderTraceParent, events.HeaderTraceState, "Traceparent"} {
		if v := msg.Header.Get(k); v != "" {
			t.Errorf("header %s = %q on an event stored without tracing", k, v)
		}
	}
}
