package process

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace/noop"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
)

func TestTracingFromEnv(t *testing.T) {
	tests := []struct {
		name          string
		env           map[string]string
		otlp, console bool
		grpc          bool
		wantErr       bool
		sampler       string // the sampler's description, when on
	}{
		{name: "nothing set is off"},
		{name: "service name alone is off", env: map[string]string{"OTEL_SERVICE_NAME": "bot"}},
		{name: "an endpoint turns OTLP on", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, otlp: true,
			sampler: "ParentBased{root:AlwaysOnSampler,remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}"},
		{name: "a traces endpoint turns OTLP on", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, otlp: true},
		{name: "exporter otlp without an endpoint", env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, otlp: true},
		{name: "console", env: map[string]string{"OTEL_TRACES_EXPORTER": "console"}, console: true},
		{name: "both", env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp, console"}, otlp: true, console: true},
		{name: "none wins over an endpoint", env: map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}},
		{name: "SDK disabled wins", env: map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}},
		{name: "unknown exporter", env: map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, wantErr: true},
		{name: "grpc", env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, otlp: true, grpc: true},
		{name: "http/json", env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, otlp: true},
		{name: "unknown protocol", env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "udp"}, wantErr: true},
		{name: "the traces protocol wins", env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"}, otlp: true},
		{name: "the protocol does not matter for console", env: map[string]string{"OTEL_TRACES_EXPORTER": "console", "OTEL_EXPORTER_OTLP_PROTOCOL": "udp"}, console: true},
		{name: "ratio sampler", env: map[string]string{"OTEL_TRACES_EXPORTER": "console", "OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"}, console: true,
			sampler: "TraceIDRatioBased{0.25}"},
		{name: "ratio over 1", env: map[string]string{"OTEL_TRACES_EXPORTER": "console", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"}, wantErr: true},
		{name: "unknown sampler", env: map[string]string{"OTEL_TRACES_EXPORTER": "console", "OTEL_TRACES_SAMPLER": "sometimes"}, wantErr: true},
		{name: "a bad sampler does not matter when off", env: map[string]string{"OTEL_TRACES_SAMPLER": "sometimes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := TracingFromEnv(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if tt.wantErr {
				if !errors.Is(err, ErrTracingConfig) {
					t.Fatalf("error = %v, want ErrTracingConfig", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.OTLP != tt.otlp || s.Console != tt.console || s.GRPC != tt.grpc {
				t.Errorf("otlp, console, grpc = %v, %v, %v; want %v, %v, %v", s.OTLP, s.Console, s.GRPC, tt.otlp, tt.console, tt.grpc)
			}
			if tt.sampler != "" && s.Sampler.Description() != tt.sampler {
				t.Errorf("sampler = %s, want %s", s.Sampler.Description(), tt.sampler)
			}
		})
	}
}

// resetTracing puts OpenTelemetry's globals back when the test ends.
func resetTracing(t *testing.T) {
	t.Cleanup(func() {
		otel.SetTracerProvider(noop.NewTracerProvider())
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {}))
	})
}

func TestTracingOffStartsNothing(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	before := otel.GetTracerProvider()
	shutdown, err := StartTracing(context.Background(), TracingSettings{}, "ingest", io.Discard, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if otel.GetTracerProvider() != before {
		t.Error("tracing off replaced the tracer provider")
	}
	if err := shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

// A span made anywhere in the process reaches the OTLP endpoint by the time
// the shutdown returns, named after the binary unless OTEL_SERVICE_NAME
// says otherwise.
func TestTracingExportsOverOTLPAndFlushesAtShutdown(t *testing.T) {
	resetTracing(t)
	var (
		mu     sync.Mutex
		bodies [][]byte
		paths  []string
	)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies, paths = append(bodies, b), append(paths, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_SERVICE_NAME", "")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=test")

	s, err := TracingFromEnv(os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	shutdown, err := StartTracing(context.Background(), s, "echo-worker", io.Discard, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "a-span-to-find")
	span.End()
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) == 0 {
		t.Fatal("nothing exported by the time the shutdown returned")
	}
	all := bytes.Join(bodies, nil)
	for _, want := range []string{"a-span-to-find", "echo-worker", "deployment.environment.name"} {
		if !bytes.Contains(all, []byte(want)) {
			t.Errorf("the export does not carry %q", want)
		}
	}
	if paths[0] != "/v1/traces" {
		t.Errorf("exported to %s, want /v1/traces", paths[0])
	}
}

// The same over gRPC, to a collector's trace service.
func TestTracingExportsOverOTLPgRPC(t *testing.T) {
	resetTracing(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	collector := &traceCollector{}
	srv := grpc.NewServer()
	coltrace.RegisterTraceServiceServer(srv, collector)
	go srv.Serve(ln)
	defer srv.Stop()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+ln.Addr().String())
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")

	s, err := TracingFromEnv(os.LookupEnv)
	if err != nil || !s.GRPC {
		t.Fatalf("settings %+v, %v; want gRPC", s, err)
	}
	shutdown, err := StartTracing(context.Background(), s, "retry-worker", io.Discard, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "a-grpc-span")
	span.End()
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := collector.names(); !slices.Contains(got, "a-grpc-span") {
		t.Errorf("collector received spans %v, want a-grpc-span", got)
	}
}

// traceCollector is an OTLP trace service that keeps the span names.
type traceCollector struct {
	coltrace.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []string
}

func (c *traceCollector) Export(_ context.Context, req *coltrace.ExportTraceServiceRequest) (*coltrace.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				c.spans = append(c.spans, sp.GetName())
			}
		}
	}
	return &coltrace.ExportTraceServiceResponse{}, nil
}

func (c *traceCollector) names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.spans)
}

func TestTracingConsoleWritesSpans(t *testing.T) {
	resetTracing(t)
	t.Setenv("OTEL_SERVICE_NAME", "my-bot")
	var out bytes.Buffer
	shutdown, err := StartTracing(context.Background(), consoleSettings(t), "ingest", &out, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "console-span")
	span.End()
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, `"Name":"console-span"`) || !strings.Contains(s, "my-bot") {
		t.Errorf("console output lacks the span or the service name:\n%s", s)
	}
}

func consoleSettings(t *testing.T) TracingSettings {
	t.Helper()
	s, err := TracingFromEnv(func(k string) (string, bool) {
		v, ok := map[string]string{"OTEL_TRACES_EXPORTER": "console"}[k]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
