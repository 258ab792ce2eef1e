package main

import (
	"testing"

	"github.com/webexpipe/webexpipe/cmd/internal/proctest"
)

// TestSettings: the retry worker calls Webex but consumes the stored calls, not webhook
// events: none of the event settings, and no outbox (it stores no calls of
// its own).
func TestSettings(t *testing.T) {
	proctest.ExpectSettings(t, command(), proctest.LogSettings, proctest.NATSSettings, proctest.StreamSettings,
		proctest.RuntimeSettings, proctest.OpsSettings, proctest.WorkerBotsSettings, proctest.WebexSettings, proctest.CallerSettings,
		[]string{"RETRY_INITIAL_INTERVAL", "RETRY_MULTIPLIER", "RETRY_RANDOMIZATION", "RETRY_MAX_INTERVAL", "RETRY_MAX_ELAPSED",
			"RETRY_RECHECK_AFTER", "RETRY_NOT_FOUND_GRACE"})
}
