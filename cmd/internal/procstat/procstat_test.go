package procstat

import (
	"os"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name string
		stat string
		want float64
	}{
		// A command name with a space and a parenthesis must not shift
		// the fields: utime 250 and stime 50 ticks are 3 s.
		{"name with space and parenthesis", "4242 (nats server) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1 2 3", 3},
		{"no command name", "4242 S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0", 0},
		{"too few fields", "4242 (ingest) S 1 4242", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseStatCPU(tt.stat); got != tt.want {
				t.Errorf("parseStatCPU = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCPUSeconds(t *testing.T) {
	if got := CPUSeconds(-1); got != 0 {
		t.Errorf("CPUSeconds(-1) = %v, want 0", got)
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	// Spinning must move this process's own figure within a few seconds
	// (a tick is 10 ms of CPU); a parse that went wrong stays at 0.
	start := CPUSeconds(os.Getpid())
	deadline := time.Now().Add(5 * time.Second)
	for n := 0; CPUSeconds(os.Getpid()) <= start; n++ {
		if time.Now().After(deadline) {
			t.Fatalf("CPUSeconds(self) stayed at %v while spinning", start)
		}
		for i := range 1_000_000 {
			n += i & 1
		}
	}
}
