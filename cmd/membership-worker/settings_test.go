package main

import (
	"testing"

	"github.com/webexpipe/webexpipe/cmd/internal/proctest"
)

// TestSettings: the membership worker consumes webhook events and never calls
// Webex: no token, no Webex call settings.
func TestSettings(t *testing.T) {
	proctest.ExpectSettings(t, command(), proctest.LogSettings, proctest.NATSSettings, proctest.StreamSettings,
		proctest.RuntimeSettings, proctest.OpsSettings, proctest.WorkerBotsSettings, proctest.EventSettings, proctest.ShardSettings)
}
