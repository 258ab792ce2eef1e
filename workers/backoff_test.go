package workers

import (
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	t.Parallel()
	exact := Backoff{Initial: time.Second, Max: 10 * time.Second, Multiplier: 2}
	tests := []struct {
		name      string
		b         Backoff
		delivered uint64
		min, max  time.Duration
	}{
		{name: "first delivery", b: exact, delivered: 1, min: time.Second, max: time.Second},
		{name: "zero counts as first", b: exact, delivered: 0, min: time.Second, max: time.Second},
		{name: "grows", b: exact, delivered: 3, min: 4 * time.Second, max: 4 * time.Second},
		{name: "capped", b: exact, delivered: 5, min: 10 * time.Second, max: 10 * time.Second},
		{name: "huge delivery count", b: exact, delivered: 1 << 40, min: 10 * time.Second, max: 10 * time.Second},
		{name: "jittered", b: DefaultBackoff(), delivered: 2, min: 1600 * time.Millisecond, max: 2400 * time.Millisecond},
		{name: "jitter never passes max", b: DefaultBackoff(), delivered: 20, min: 4 * time.Minute, max: 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for range 50 {
				if d := tt.b.Delay(tt.delivered); d < tt.min || d > tt.max {
					t.Fatalf("Delay(%d) = %s, want within [%s, %s]", tt.delivered, d, tt.min, tt.max)
				}
			}
		})
	}
}

func TestBackoffClamp(t *testing.T) {
	t.Parallel()
	b := Backoff{Initial: time.Second, Max: time.Minute, Multiplier: 2}
	for in, want := range map[time.Duration]time.Duration{
		-time.Second:     0,
		0:                0,
		15 * time.Second: 15 * time.Second,
		time.Hour:        time.Minute,
	} {
		if got := b.clamp(in); got != want {
			t.Errorf("clamp(%s) = %s, want %s", in, got, want)
		}
	}
}
