package workers

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/internal/syncbuf"
)

func TestChainOrder(t *testing.T) {
	t.Parallel()
	var trace []string
	mark := func(name string) Middleware {
		return func(next Handler) Handler {
			return HandlerFunc(func(ctx context.Context, ev *Event) error {
				trace = append(trace, name)
				return next.Handle(ctx, ev)
			})
		}
	}
	h := Chain(HandlerFunc(func(context.Context, *Event) error {
		trace = append(trace, "handler")
		return nil
	}), mark("outer"), mark("inner"))
	if err := h.Handle(context.Background(), &Event{}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"outer", "inner", "handler"}; !slices.Equal(trace, want) {
		t.Errorf("order = %v, want %v", trace, want)
	}
}

func TestRecover(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		handler   HandlerFunc
		wantPanic bool
		wantErr   error
	}{
		{name: "panic becomes a retryable error", handler: func(context.Context, *Event) error { panic("boom") }, wantPanic: true},
		{name: "panic with an error", handler: func(context.Context, *Event) error { panic(errors.New("boom")) }, wantPanic: true},
		{name: "errors pass through", handler: func(context.Context, *Event) error { return Permanent(context.Canceled) }, wantErr: context.Canceled},
		{name: "success passes through", handler: func(context.Context, *Event) error { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			buf := &syncbuf.Buffer{}
			h := Recover(slog.New(slog.NewTextHandler(buf, nil)))(tt.handler)
			err := h.Handle(context.Background(), &Event{Subject: "webex.events.messages.created.1", StreamSeq: 7})
			if got := errors.Is(err, ErrPanic); got != tt.wantPanic {
				t.Errorf("errors.Is(%v, ErrPanic) = %v, want %v", err, got, tt.wantPanic)
			}
			if tt.wantPanic && (IsPermanent(err) || IsIgnored(err)) {
				t.Errorf("panic error %v is not retryable", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			logged := buf.String()
			if tt.wantPanic != (len(logged) > 0) {
				t.Errorf("log = %q, want a line only for a panic", logged)
			}
			if tt.wantPanic && !containsAll(logged, "handler panicked", "stack=", "stream_seq=7") {
				t.Errorf("panic log = %q, want message, stack and stream seq", logged)
			}
		})
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
