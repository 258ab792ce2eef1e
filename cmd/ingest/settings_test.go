package main

import (
	"testing"

	"github.com/webexpipe/webexpipe/cmd/internal/proctest"
)

// TestSettings: ingest reads its own settings, the webhook settings (with the old name
// of WEBHOOK_RESOURCES) and, for its webhook check and watchdog, the Webex
// token; none of a worker's.
func TestSettings(t *testing.T) {
	proctest.ExpectSettings(t, command(), proctest.LogSettings, proctest.NATSSettings, proctest.StreamSettings, proctest.WebexSettings,
		[]string{"LISTEN_ADDR", "WEBHOOK_PATH", "WEBEX_WEBHOOK_SECRET", "WEBEX_WEBHOOK_SECRET_FILE", "INSECURE_SKIP_SIGNATURE", "PARTITIONS", "EVENTS_SHARDS",
			"PUBLISH_TIMEOUT", "RETRY_AFTER", "SPOOL_DIR", "SPOOL_MAX_BYTES", "MAX_EVENT_AGE", "BOTS_FILE", "DEBUG_ADDR",
			"WEBHOOK_TARGET", "WEBHOOK_RESOURCES", "EXPECT_WEBHOOKS", "WEBHOOK_NAME_PREFIX", "WEBHOOK_FILTER", "WEBHOOK_WATCH_INTERVAL"})
}
