package main

import (
	"strings"
	"testing"
)

// TestWatchRecoverySettings: a cap of 0 would be read as the default, so
// the watchdog refuses it and names the setting, before connecting
// anywhere.
func TestWatchRecoverySettings(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "rooms", args: []string{"--recovery-max-rooms", "0"}, want: "RECOVERY_MAX_ROOMS=0"},
		{name: "messages", args: []string{"--recovery-max-messages", "-1"}, want: "RECOVERY_MAX_MESSAGES=-1"},
		{name: "window", args: []string{"--recovery-max-window", "0s"}, want: "RECOVERY_MAX_WINDOW=0s"},
		{name: "lookback", args: []string{"--recovery-lookback", "0s"}, want: "RECOVERY_LOOKBACK=0s"},
		{name: "partitions", args: []string{"--partitions", "0"}, want: "PARTITIONS=0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCLI(t, append([]string{"webhooks", "watch", "--webex-token", "t", "--nats-url", "nats://127.0.0.1:1"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("watch %v = %v, want an error naming %s", tt.args, err, tt.want)
			}
		})
	}
}
