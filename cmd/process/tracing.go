package process

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// ErrTracingConfig means an OTEL_* variable asks for something this
// process cannot do; the binary stops rather than run without the traces
// its operator asked for.
var ErrTracingConfig = errors.New("tracing configuration")

// tracingFlushTimeout bounds the export of the spans still buffered at exit.
const tracingFlushTimeout = 5 * time.Second

// TracingVariables are the OTEL_* variables a process honours, read by
// TracingFromEnv or by the OpenTelemetry SDK and its exporters (which also
// read the OTEL_EXPORTER_OTLP_TRACES_ form of each exporter variable).
var TracingVariables = []string{
	"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
	"OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
	"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
	"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
	"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_COMPRESSION",
	"OTEL_EXPORTER_OTLP_INSECURE", "OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
	"OTEL_EXPORTER_OTLP_CLIENT_KEY",
	"OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT", "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
}

// TracingSettings is what the OTEL_* variables ask of a process. The
// exporter reads its own variables (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT,
// certificates and the like) and the resource OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES; these are the ones that decide whether there
// is anything to export and how to sample.
type TracingSettings struct {
	// OTLP sends spans to an OTLP collector; Console writes them to
	// Stdout as JSON, one span a line. Neither: tracing is off.
	OTLP, Console bool
	// GRPC sends OTLP over gRPC (OTEL_EXPORTER_OTLP_PROTOCOL=grpc) rather
	// than HTTP (http/protobuf, the default, or http/json).
	GRPC bool
	// Sampler decides which traces are kept.
	Sampler sdktrace.Sampler
}

// On reports whether any exporter is configured.
func (s TracingSettings) On() bool { return s.OTLP || s.Console }

// TracingFromEnv reads the OTEL_* variables through lookup. Tracing is
// off unless they ask for it: OTEL_TRACES_EXPORTER=otlp or console, or
// (with OTEL_TRACES_EXPORTER unset) an OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; OTEL_SDK_DISABLED=true or
// OTEL_TRACES_EXPORTER=none turn it off whatever else is set. A value it
// cannot honour is an error wrapping ErrTracingConfig.
func TracingFromEnv(lookup func(string) (string, bool)) (TracingSettings, error) {
	get := func(k string) string { v, _ := lookup(k); return strings.TrimSpace(v) }
	var s TracingSettings
	if strings.EqualFold(get("OTEL_SDK_DISABLED"), "true") {
		return s, nil
	}
	exporters := get("OTEL_TRACES_EXPORTER")
	if exporters == "" && (get("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "") {
		exporters = "otlp"
	}
	for name := range strings.SplitSeq(exporters, ",") {
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "":
		case "none":
			return TracingSettings{}, nil
		case "otlp":
			s.OTLP = true
		case "console":
			s.Console = true
		default:
			return s, fmt.Errorf("%w: OTEL_TRACES_EXPORTER=%s: want otlp, console or none", ErrTracingConfig, name)
		}
	}
	if !s.On() {
		return s, nil
	}
	if s.OTLP {
		for _, k := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
			p := get(k)
			switch p {
			case "":
				continue
			case "grpc":
				s.GRPC = true
			case "http/protobuf", "http/json":
			default:
				return s, fmt.Errorf("%w: %s=%s: want http/protobuf, http/json or grpc", ErrTracingConfig, k, p)
			}
			break // the traces-only variable wins
		}
	}
	var err error
	s.Sampler, err = samplerFromEnv(get("OTEL_TRACES_SAMPLER"), get("OTEL_TRACES_SAMPLER_ARG"))
	return s, err
}

// samplerFromEnv reads OTEL_TRACES_SAMPLER and its argument as the
// OpenTelemetry specification names them; unset is parentbased_always_on.
func samplerFromEnv(name, arg string) (sdktrace.Sampler, error) {
	ratio := 1.0
	if arg != "" && strings.HasSuffix(strings.ToLower(name), "traceidratio") {
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			return nil, fmt.Errorf("%w: OTEL_TRACES_SAMPLER_ARG=%s: want a ratio from 0 to 1", ErrTracingConfig, arg)
		}
		ratio = r
	}
	switch strings.ToLower(name) {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "parentbased_traceidratio":
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio)), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "traceidratio":
		return sdktrace.TraceIDRatioBased(ratio), nil
	}
	return nil, fmt.Errorf("%w: OTEL_TRACES_SAMPLER=%s: want always_on, always_off, traceidratio, or one of them prefixed with parentbased_", ErrTracingConfig, name)
}

// StartTracing installs the process's tracer provider as s asks and
// returns the function that flushes and stops it, to be called once at
// exit. With tracing off it installs nothing, starts no goroutine and
// returns a shutdown that does nothing: the packages then get OpenTelemetry's
// no-op tracer, whose spans cost a context value each and are never
// recorded. service is the default service.name (OTEL_SERVICE_NAME wins).
// Export errors go to log.
func StartTracing(ctx context.Context, s TracingSettings, service string, stdout io.Writer, log *slog.Logger) (shutdown func(context.Context) error, err error) {
	if !s.On() {
		return func(context.Context) error { return nil }, nil
	}
	// Later detectors win: the binary's name, then OTEL_SERVICE_NAME and
	// OTEL_RESOURCE_ATTRIBUTES.
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(attribute.String("service.name", service)),
		resource.WithFromEnv(),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: resource: %w", ErrTracingConfig, err)
	}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res), sdktrace.WithSampler(s.Sampler)}
	if s.OTLP {
		var exp sdktrace.SpanExporter
		if s.GRPC {
			exp, err = otlptracegrpc.New(ctx)
		} else {
			exp, err = otlptracehttp.New(ctx)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: OTLP exporter: %w", ErrTracingConfig, err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	if s.Console {
		exp, err := stdouttrace.New(stdouttrace.WithWriter(stdout))
		if err != nil {
			return nil, fmt.Errorf("%w: console exporter: %w", ErrTracingConfig, err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		log.Warn("tracing", "error", err)
	}))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	log.Debug("tracing on", "otlp", s.OTLP, "grpc", s.GRPC, "console", s.Console, "sampler", s.Sampler.Description())
	return func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, tracingFlushTimeout)
		defer cancel()
		return tp.Shutdown(ctx)
	}, nil
}

// startProcessTracing is StartTracing from the process's environment,
// logging like the command will (its --log-format, at warn level).
func startProcessTracing(ctx context.Context, service, logFormat string) (func(context.Context) error, error) {
	s, err := TracingFromEnv(os.LookupEnv)
	if err != nil || !s.On() {
		return func(context.Context) error { return nil }, err
	}
	log, err := LogOptions{Level: "warn", Format: logFormat}.Logger(os.Stderr)
	if err != nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return StartTracing(ctx, s, service, os.Stdout, log)
}
