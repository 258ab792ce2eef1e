package ingest_test

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/ingest"
)

func TestConfigValidate(t *testing.T) {
	secret := [][]byte{[]byte("s")}
	tests := []struct {
		name string
		cfg  ingest.Config
		want error
	}{
		{"zero but a secret", ingest.Config{Secrets: secret}, nil},
		{"insecure without secret", ingest.Config{Insecure: true}, nil},
		{"no secret", ingest.Config{}, ingest.ErrNoSecret},
		{"only empty secrets", ingest.Config{Secrets: [][]byte{{}, nil}}, ingest.ErrNoSecret},
		{"custom path", ingest.Config{Secrets: secret, Path: "/hooks/webex"}, nil},
		{"relative path", ingest.Config{Secrets: secret, Path: "hooks"}, ingest.ErrInvalidConfig},
		{"pattern path", ingest.Config{Secrets: secret, Path: "/hooks/{id}"}, ingest.ErrInvalidConfig},
		{"method in path", ingest.Config{Secrets: secret, Path: "/x POST"}, ingest.ErrInvalidConfig},
		{"reserved path", ingest.Config{Secrets: secret, Path: "/readyz"}, ingest.ErrInvalidConfig},
		{"negative partitions", ingest.Config{Secrets: secret, Partitions: -1}, ingest.ErrInvalidConfig},
		{"negative shards", ingest.Config{Secrets: secret, Shards: -1}, ingest.ErrInvalidConfig},
		{"shards of the partitions", ingest.Config{Secrets: secret, Shards: 3, Partitions: 3}, nil},
		{"more shards than partitions", ingest.Config{Secrets: secret, Shards: 5, Partitions: 4}, ingest.ErrInvalidConfig},
		{"more shards than default partitions", ingest.Config{Secrets: secret, Shards: 17}, ingest.ErrInvalidConfig},
		{"negative body", ingest.Config{Secrets: secret, MaxBodyBytes: -1}, ingest.ErrInvalidConfig},
		{"body over the stream's limit", ingest.Config{Secrets: secret, MaxBodyBytes: 64 << 20}, ingest.ErrInvalidConfig},
		{"negative publish timeout", ingest.Config{Secrets: secret, PublishTimeout: -time.Second}, ingest.ErrInvalidConfig},
		{"negative retry after", ingest.Config{Secrets: secret, RetryAfter: -time.Second}, ingest.ErrInvalidConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Validate() = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	nc, js := connect(t, localnats.StartTest(t), events.DefaultStreamOptions())
	ok := ingest.Config{Secrets: [][]byte{[]byte("s")}}

	t.Run("invalid config", func(t *testing.T) {
		if _, err := ingest.New(ingest.Config{}, nc, js); !errors.Is(err, ingest.ErrNoSecret) {
			t.Fatalf("New = %v, want ErrNoSecret", err)
		}
	})
	t.Run("no connection", func(t *testing.T) {
		if _, err := ingest.New(ok, nil, nil); err == nil {
			t.Fatal("New without NATS succeeded")
		}
	})
	t.Run("nil registry and logger", func(t *testing.T) {
		if _, err := ingest.New(ok, nc, js); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("second service on one registry", func(t *testing.T) {
		cfg := ok
		cfg.Metrics = prometheus.NewRegistry()
		if _, err := ingest.New(cfg, nc, js); err != nil {
			t.Fatal(err)
		}
		if _, err := ingest.New(cfg, nc, js); err == nil {
			t.Fatal("registering the metrics twice succeeded")
		}
	})
}
