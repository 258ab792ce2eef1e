package events

import (
	"regexp"
	"testing"
)

func TestMarkerKey(t *testing.T) {
	t.Parallel()
	valid := regexp.MustCompile(`^[-/_=.a-zA-Z0-9]+$`)
	tests := []struct {
		name, worker, key string
	}{
		{name: "created key", worker: "echo", key: "messages:created:Y2lzY29zcGFyazovL3Vz"},
		{name: "key with body hash", worker: "cards", key: "memberships:updated:abc:0123456789abcdef01234567"},
		{name: "key with characters KV refuses", worker: "echo", key: "a b*c>d:é"},
		{name: "empty key", worker: "echo", key: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := MarkerKey(tt.worker, tt.key)
			if !valid.MatchString(got) {
				t.Errorf("MarkerKey = %q has characters KV keys do not allow", got)
			}
			if want := len(tt.worker) + 1 + 32; len(got) != want {
				t.Errorf("MarkerKey = %q, %d bytes, want %d", got, len(got), want)
			}
			if got != MarkerKey(tt.worker, tt.key) {
				t.Error("MarkerKey is not stable")
			}
			if got == MarkerKey(tt.worker+"x", tt.key) {
				t.Error("MarkerKey does not depend on the worker")
			}
		})
	}
}
