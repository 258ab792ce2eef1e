package process

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/syncbuf"
)

func TestRedactURL(t *testing.T) {
	tests := []struct {
		name, in, want string
		secret         string
	}{
		{"password", "nats://ingest:s3cr3t-pw@n1:4222, nats://n2:4222", "nats://ingest:xxxxx@n1:4222,nats://n2:4222", "s3cr3t-pw"},
		{"token", "nats://T0KEN-abc@n1:4222", "nats://xxxxx@n1:4222", "T0KEN-abc"},
		{"no scheme", "user:p4ss@n1:4222", "user:xxxxx@n1:4222", "p4ss"},
		{"token, no scheme", "T0KEN-abc@n1", "xxxxx@n1", "T0KEN-abc"},
		{"unparsable", "nats://us er:p%zz@n1:4222", "nats://us er:xxxxx@n1:4222", "p%zz"},
		{"no credentials", "nats://n1:4222", "nats://n1:4222", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := RedactURL(tc.in)
			if got != tc.want {
				t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if tc.secret != "" && strings.Contains(got, tc.secret) {
				t.Errorf("secret left in %q", got)
			}
		})
	}
}

// TestConnectErrorsAndLogsHideCredentials: an unparsable URL's error and a
// failed connection's logs name no password or token.
func TestConnectErrorsAndLogsHideCredentials(t *testing.T) {
	tests := []struct{ name, url, secret string }{
		{"unparsable with password", "nats://user:pa ss%zz-secret@127.0.0.1:1", "ss%zz-secret"},
		{"password without scheme", "user:hunter2-secret@127.0.0.1:1", "hunter2-secret"},
		{"token", "nats://tok3n-secret@127.0.0.1:1", "tok3n-secret"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncbuf.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			o := NATSOptions{URL: tc.url, Streams: events.DefaultStreamOptions()}
			_, _, err := Connect(context.Background(), o, "test", log)
			if err == nil {
				t.Fatal("connected to nothing")
			}
			if strings.Contains(err.Error(), tc.secret) || strings.Contains(logs.String(), tc.secret) {
				t.Errorf("secret shown:\nerr: %v\nlogs: %s", err, logs.String())
			}
		})
	}
}

func TestRedactErrorKeepsTheChain(t *testing.T) {
	base := errors.New(`parse "nats://u:pw-secret@h": invalid`)
	err := redactError(base, "nats://u:pw-secret@h")
	if strings.Contains(err.Error(), "pw-secret") || !errors.Is(err, base) {
		t.Errorf("err %v, is base %v", err, errors.Is(err, base))
	}
}
