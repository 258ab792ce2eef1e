package workers

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
)

func TestDefaultConfig(t *testing.T) {
	t.Parallel()
	c := DefaultConfig("echo")
	want := Config{
		Name: "echo", Concurrency: 16, AckWait: 30 * time.Second, MaxDeliver: 10, MaxAckPending: 1000,
		Backoff:        Backoff{Initial: time.Second, Max: 5 * time.Minute, Multiplier: 2, RandomizationFactor: 0.2},
		HandlerTimeout: 2 * time.Minute, DrainTimeout: 30 * time.Second, Idempotent: true,
	}
	c.Logger = nil
	if c.Name != want.Name || c.Concurrency != want.Concurrency || c.AckWait != want.AckWait ||
		c.MaxDeliver != want.MaxDeliver || c.MaxAckPending != want.MaxAckPending || c.Backoff != want.Backoff ||
		c.HandlerTimeout != want.HandlerTimeout || c.DrainTimeout != want.DrainTimeout ||
		c.Idempotent != want.Idempotent || c.StartAt != StartNew {
		t.Errorf("DefaultConfig = %+v, want %+v", c, want)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	valid := func() Config {
		c := DefaultConfig("echo")
		c.Events = []events.ResourceEvent{{Resource: "messages", Event: "created"}}
		return c
	}
	tests := []struct {
		name    string
		mod     func(*Config)
		wantErr bool
	}{
		{name: "defaults", mod: func(*Config) {}},
		{name: "zero fields take defaults", mod: func(c *Config) { *c = Config{Name: "echo", Events: c.Events} }},
		{name: "wildcard event", mod: func(c *Config) { c.Events = []events.ResourceEvent{{Resource: "messages", Event: "*"}} }},
		{name: "no name", mod: func(c *Config) { c.Name = "" }, wantErr: true},
		{name: "name with a dot", mod: func(c *Config) { c.Name = "echo.v2" }, wantErr: true},
		{name: "no events", mod: func(c *Config) { c.Events = nil }, wantErr: true},
		{name: "unsafe event token", mod: func(c *Config) { c.Events[0].Event = "created>" }, wantErr: true},
		{name: "negative concurrency", mod: func(c *Config) { c.Concurrency = -1 }, wantErr: true},
		{name: "concurrency above max ack pending", mod: func(c *Config) { c.Concurrency, c.MaxAckPending = 20, 10 }, wantErr: true},
		{name: "tiny ack wait", mod: func(c *Config) { c.AckWait = time.Millisecond }, wantErr: true},
		{name: "negative max deliver", mod: func(c *Config) { c.MaxDeliver = -1 }, wantErr: true},
		{name: "negative handler timeout", mod: func(c *Config) { c.HandlerTimeout = -time.Second }, wantErr: true},
		{name: "negative drain timeout", mod: func(c *Config) { c.DrainTimeout = -time.Second }, wantErr: true},
		{name: "backoff max below initial", mod: func(c *Config) { c.Backoff.Max = c.Backoff.Initial / 2 }, wantErr: true},
		{name: "backoff shrinking", mod: func(c *Config) { c.Backoff.Multiplier = 0.5 }, wantErr: true},
		{name: "backoff jitter of 100%", mod: func(c *Config) { c.Backoff.RandomizationFactor = 1 }, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := valid()
			tt.mod(&c)
			if err := c.Validate(); (err != nil) != tt.wantErr {
				t.Errorf("Validate() = %v, want error: %v", err, tt.wantErr)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg, _ := testConfig(t, "reject")
	h := HandlerFunc(func(_ context.Context, _ *Event) error { return nil })
	tests := []struct {
		name string
		new  func() (*Runner, error)
	}{
		{name: "no JetStream", new: func() (*Runner, error) { return New(nil, cfg, h) }},
		{name: "no handler", new: func() (*Runner, error) { return New(env.js, cfg, nil) }},
		{name: "bad config", new: func() (*Runner, error) { c := cfg; c.Name = ""; return New(env.js, c, h) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r, err := tt.new(); err == nil || r != nil {
				t.Errorf("New = %v, %v; want an error", r, err)
			}
		})
	}
}

func TestRunFailsWithoutStream(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	if err := env.js.DeleteStream(testCtx(t), events.EventsStream); err != nil {
		t.Fatal(err)
	}
	cfg, _ := testConfig(t, "nostream")
	r, err := New(env.js, cfg, &recorder{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Run(testCtx(t)); err == nil || errors.Is(err, ErrDrainTimeout) {
		t.Errorf("Run = %v, want a setup error", err)
	}
}
