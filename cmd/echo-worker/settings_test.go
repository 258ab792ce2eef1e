package main

import (
	"testing"

	"github.com/webexpipe/webexpipe/cmd/internal/proctest"
)

// TestSettings: the echo worker consumes webhook events and calls Webex.
func TestSettings(t *testing.T) {
	proctest.ExpectSettings(t, command(), proctest.LogSettings, proctest.NATSSettings, proctest.StreamSettings,
		proctest.RuntimeSettings, proctest.OpsSettings, proctest.WorkerBotsSettings, proctest.EventSettings, proctest.ShardSettings, proctest.WebexSettings, proctest.CallerSettings, proctest.OutboxSettings,
		[]string{"ECHO_MODE", "ECHO_RECHECK_AFTER"})
}
