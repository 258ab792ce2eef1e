package retry_test

import (
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/workers/retry"
)

func TestPolicyNext(t *testing.T) {
	p := retry.Policy{Initial: time.Second, Multiplier: 2, MaxInterval: 10 * time.Second, MaxElapsed: time.Minute}
	first := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		attempts int
		now      time.Time
		want     time.Duration
		wantOK   bool
	}{
		{name: "after the first failure", attempts: 1, now: first, want: time.Second, wantOK: true},
		{name: "doubles", attempts: 3, now: first.Add(3 * time.Second), want: 4 * time.Second, wantOK: true},
		{name: "capped at the max interval", attempts: 30, now: first.Add(40 * time.Second), want: 10 * time.Second, wantOK: true},
		{name: "an attempt count of 0 is the first", attempts: 0, now: first, want: time.Second, wantOK: true},
		{name: "stops when the next delay ends after max elapsed", attempts: 8, now: first.Add(55 * time.Second), wantOK: false},
		{name: "stops after max elapsed", attempts: 2, now: first.Add(2 * time.Minute), wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := p.Next(tt.attempts, first, tt.now)
			if ok != tt.wantOK || ok && got != tt.want {
				t.Errorf("Next(%d) = %s, %v; want %s, %v", tt.attempts, got, ok, tt.want, tt.wantOK)
			}
		})
	}
	t.Run("jitter stays within the randomization", func(t *testing.T) {
		p := p
		p.Randomization = 0.5
		seen := map[time.Duration]bool{}
		for range 200 {
			d, ok := p.Next(3, first, first)
			if !ok || d < 2*time.Second || d > 6*time.Second {
				t.Fatalf("Next = %s, %v; want 4s ± 50%%", d, ok)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("only %d distinct delays in 200: no jitter", len(seen))
		}
	})
}

func TestPolicyValidate(t *testing.T) {
	good := retry.DefaultPolicy()
	if err := good.Validate(); err != nil {
		t.Fatalf("default policy: %v", err)
	}
	for name, mutate := range map[string]func(*retry.Policy){
		"no initial":            func(p *retry.Policy) { p.Initial = 0 },
		"max below initial":     func(p *retry.Policy) { p.MaxInterval = time.Millisecond },
		"shrinking":             func(p *retry.Policy) { p.Multiplier = 0.5 },
		"randomization of 1":    func(p *retry.Policy) { p.Randomization = 1 },
		"elapsed below initial": func(p *retry.Policy) { p.MaxElapsed = time.Millisecond },
	} {
		t.Run(name, func(t *testing.T) {
			p := good
			mutate(&p)
			if p.Validate() == nil {
				t.Error("accepted")
			}
		})
	}
}
