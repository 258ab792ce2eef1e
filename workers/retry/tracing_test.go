package retry_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// One user message whose reply Webex refuses once with 503: the webhook,
// its storing, the echo handler and its calls are one trace; the retry
// worker's call that finally posts the reply is in a trace of its own,
// linked to the echo handler that stored it.
func TestTraceFromWebhookToRetriedReply(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	h := newHarness(t, options{tracer: tp})
	h.startEcho()
	h.startRetry(fastRetry())
	h.sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: 503, Times: 1})

	sent, err := h.sim.PostAsUser(emulator.UserMessage{Text: "trace me"})
	if err != nil {
		t.Fatal(err)
	}
	waitfor.Until(t, 20*time.Second, func() (bool, string) { return len(h.sim.BotMessages(sent.RoomID)) == 1, "no reply yet" })
	h.settle(2, "echo")

	var (
		ingestSpan, handleEcho, echoPost, retryPost tracetest.SpanStub
		spans                                       tracetest.SpanStubs
	)
	// Spans end as their work returns, a moment after what the test saw.
	waitfor.Until(t, 10*time.Second, func() (bool, string) {
		spans = exp.GetSpans()
		var ok bool
		if ingestSpan, ok = find(spans, func(s tracetest.SpanStub) bool {
			return s.Name == "ingest webhook" && attr(s, "messaging.message.id") == events.MsgID("messages:created:"+sent.ID)
		}); !ok {
			return false, "no ingest span for the user's message"
		}
		if handleEcho, ok = find(spans, func(s tracetest.SpanStub) bool {
			// The first delivery: a lost ack would bring a second.
			return s.Name == "handle echo" && s.Parent.SpanID() == ingestSpan.SpanContext.SpanID() && attr(s, "webexpipe.delivered") == "1"
		}); !ok {
			return false, "no echo handler span under the ingest span"
		}
		if echoPost, ok = find(spans, func(s tracetest.SpanStub) bool {
			return s.Name == "webex POST /messages" && s.Parent.SpanID() == handleEcho.SpanContext.SpanID()
		}); !ok {
			return false, "no POST span under the echo handler"
		}
		if retryPost, ok = find(spans, func(s tracetest.SpanStub) bool {
			return s.Name == "webex POST /messages" && attr(s, "webexpipe.worker") == "retry"
		}); !ok {
			return false, "no POST span of the retry worker"
		}
		return true, ""
	})
	t.Logf("the spans of the message, as the README shows them:\n%s", render(spans, ingestSpan.SpanContext.TraceID(), handleEcho.SpanContext))

	echoTrace := ingestSpan.SpanContext.TraceID()
	if ingestSpan.SpanKind != trace.SpanKindServer || ingestSpan.Parent.IsValid() {
		t.Errorf("ingest span: kind %v, parent %v; want a server span starting the trace", ingestSpan.SpanKind, ingestSpan.Parent)
	}
	if handleEcho.SpanContext.TraceID() != echoTrace || handleEcho.SpanKind != trace.SpanKindConsumer || !handleEcho.Parent.IsRemote() {
		t.Errorf("echo handler span: trace %s kind %v remote parent %v; want the ingest span's trace, a consumer, a parent from the stored headers",
			handleEcho.SpanContext.TraceID(), handleEcho.SpanKind, handleEcho.Parent.IsRemote())
	}
	if attr(handleEcho, "webexpipe.result") != "deferred" {
		t.Errorf("echo handler result %q, want deferred (its failed reply stored for the retry worker)", attr(handleEcho, "webexpipe.result"))
	}
	if echoPost.SpanContext.TraceID() != echoTrace || echoPost.SpanKind != trace.SpanKindClient ||
		echoPost.Status.Code != codes.Error || attrInt(echoPost, "http.response.status_code") != 503 {
		t.Errorf("echo's POST span: trace %s kind %v status %v code %d; want the same trace, a client span, an error, 503",
			echoPost.SpanContext.TraceID(), echoPost.SpanKind, echoPost.Status, attrInt(echoPost, "http.response.status_code"))
	}
	if _, ok := find(spans, func(s tracetest.SpanStub) bool {
		return s.Name == "webex GET /messages/{id}" && s.Parent.SpanID() == handleEcho.SpanContext.SpanID()
	}); !ok {
		t.Error("echo's fetch of the message has no span under the handler")
	}

	// The retry worker's attempt: its own trace, a link back to the echo
	// handler that stored the call, and a handler span linked the same way.
	if retryPost.Status.Code == codes.Error || retryPost.SpanContext.TraceID() == echoTrace {
		t.Errorf("retry's POST span: status %v, trace %s; want a success in a trace of its own", retryPost.Status, retryPost.SpanContext.TraceID())
	}
	if !linksTo(retryPost, handleEcho.SpanContext) {
		t.Errorf("retry's POST span links to %v, want the echo handler span %s", retryPost.Links, handleEcho.SpanContext.SpanID())
	}
	handleRetry, ok := find(spans, func(s tracetest.SpanStub) bool { return s.SpanContext.SpanID() == retryPost.Parent.SpanID() })
	if !ok || handleRetry.Name != "handle retry" || !linksTo(handleRetry, handleEcho.SpanContext) || attr(handleRetry, "webexpipe.call_id") == "" {
		t.Errorf("retry's POST span's parent %q links %v call %q; want handle retry, linked to the echo handler, naming the call",
			handleRetry.Name, handleRetry.Links, attr(handleRetry, "webexpipe.call_id"))
	}

	// Nothing a user wrote, and no token, in any span.
	for _, s := range spans {
		for _, kv := range s.Attributes {
			if v := kv.Value.Emit(); strings.Contains(v, "trace me") || strings.Contains(v, testToken) {
				t.Errorf("span %s attribute %s holds %q", s.Name, kv.Key, v)
			}
		}
		if strings.Contains(s.Status.Description, "trace me") || strings.Contains(s.Status.Description, testToken) {
			t.Errorf("span %s status holds %q", s.Name, s.Status.Description)
		}
	}
}

func find(spans tracetest.SpanStubs, match func(tracetest.SpanStub) bool) (tracetest.SpanStub, bool) {
	for _, s := range spans {
		if match(s) {
			return s, true
		}
	}
	return tracetest.SpanStub{}, false
}

func attr(s tracetest.SpanStub, key attribute.Key) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

func attrInt(s tracetest.SpanStub, key attribute.Key) int64 {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return kv.Value.AsInt64()
		}
	}
	return 0
}

func linksTo(s tracetest.SpanStub, sc trace.SpanContext) bool {
	return slices.ContainsFunc(s.Links, func(l sdktrace.Link) bool {
		return l.SpanContext.TraceID() == sc.TraceID() && l.SpanContext.SpanID() == sc.SpanID()
	})
}

// render draws the trace tr, then every trace with a span linked to
// target, as indented trees with the attributes that tell the story.
func render(spans tracetest.SpanStubs, tr trace.TraceID, target trace.SpanContext) string {
	var b strings.Builder
	traces := []trace.TraceID{tr}
	for _, s := range spans {
		if linksTo(s, target) && !slices.Contains(traces, s.SpanContext.TraceID()) {
			traces = append(traces, s.SpanContext.TraceID())
		}
	}
	for _, id := range traces {
		var in tracetest.SpanStubs
		for _, s := range spans {
			if s.SpanContext.TraceID() == id {
				in = append(in, s)
			}
		}
		slices.SortFunc(in, func(a, b tracetest.SpanStub) int { return a.StartTime.Compare(b.StartTime) })
		fmt.Fprintf(&b, "trace %s\n", id)
		var walk func(parent trace.SpanID, depth int)
		walk = func(parent trace.SpanID, depth int) {
			for _, s := range in {
				if s.Parent.SpanID() != parent {
					continue
				}
				fmt.Fprintf(&b, "%s%s [%s]%s\n", strings.Repeat("  ", depth+1), s.Name, s.SpanKind, describe(s, target))
				walk(s.SpanContext.SpanID(), depth+1)
			}
		}
		var root trace.SpanID // spans whose parent is in another process's trace view: none here
		walk(root, 0)
	}
	return b.String()
}

func describe(s tracetest.SpanStub, target trace.SpanContext) string {
	var parts []string
	for _, k := range []attribute.Key{"webexpipe.outcome", "webexpipe.result", "http.response.status_code", "webexpipe.worker"} {
		if v := attr(s, k); v != "" && (k != "webexpipe.worker" || !strings.HasPrefix(s.Name, "handle")) {
			parts = append(parts, string(k)+"="+v)
		}
	}
	if s.Status.Code == codes.Error {
		parts = append(parts, "error")
	}
	if linksTo(s, target) {
		parts = append(parts, "link→handle echo")
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, " ")
}
