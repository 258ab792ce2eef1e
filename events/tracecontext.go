package events

// Trace context headers. With tracing on, ingest sets them on a stored
// event to the span that stored it, in the W3C Trace Context format
// (https://www.w3.org/TR/trace-context/), so that the span of every
// worker handling the event joins the same trace. They are written in
// lower case, as that format names them, and are absent when tracing is
// off. They are ingest's own: a traceparent arriving with a webhook is
// never copied here.
const (
	HeaderTraceParent = "traceparent"
	HeaderTraceState  = "tracestate"
)

// TraceCarrier reads and writes the trace context headers of a message's
// headers for an OpenTelemetry propagator (it has the methods of
// propagation.TextMapCarrier). Keys are used as given, not canonicalised.
type TraceCarrier map[string][]string

// Get returns the first value of key, or "".
func (c TraceCarrier) Get(key string) string {
	if v := c[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Set replaces the values of key with value.
func (c TraceCarrier) Set(key, value string) { c[key] = []string{value} }

// Keys lists the keys present.
func (c TraceCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}
