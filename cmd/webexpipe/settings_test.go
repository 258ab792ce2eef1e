package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/proctest"
)

// subcommand finds the command at path under a fresh root.
func subcommand(t *testing.T, path ...string) *cobra.Command {
	t.Helper()
	cmd, rest, err := rootCommand().Find(path)
	if err != nil || len(rest) > 0 {
		t.Fatalf("no command %v: %v", path, err)
	}
	return cmd
}

// TestSettings checks what the commands that share the worker and webhook
// settings read: dev mode runs ingest and the echo, cards and retry
// workers, so every worker group applies but the listeners (it has its
// own); the webhook commands read the one list of webhooks that must exist,
// and, being tools, no stream settings.
func TestSettings(t *testing.T) {
	webhookSettings := []string{"WEBHOOK_TARGET", "WEBHOOK_RESOURCES", "WEBHOOK_NAME_PREFIX", "WEBHOOK_FILTER",
		"WEBEX_WEBHOOK_SECRET", "WEBEX_WEBHOOK_SECRET_FILE", "WEBEXPIPE_TIMEOUT"}
	tests := []struct {
		path   []string
		groups [][]string
	}{
		{path: []string{"dev"}, groups: [][]string{proctest.LogSettings, proctest.NATSSettings, proctest.StreamSettings,
			proctest.RuntimeSettings, proctest.EventSettings, proctest.ShardSettings, proctest.WebexSettings, proctest.CallerSettings, proctest.OutboxSettings,
			{"LISTEN_ADDR", "WEBHOOK_PATH", "WEBEX_WEBHOOK_SECRET", "WEBEX_WEBHOOK_SECRET_FILE", "INSECURE_SKIP_SIGNATURE", "PARTITIONS",
				"PUBLISH_TIMEOUT", "RETRY_AFTER", "SPOOL_DIR", "SPOOL_MAX_BYTES", "MAX_EVENT_AGE", "DEBUG_ADDR",
				"ECHO_MODE", "ECHO_RECHECK_AFTER", "CARDS_RECHECK_AFTER",
				"RETRY_INITIAL_INTERVAL", "RETRY_MULTIPLIER", "RETRY_RANDOMIZATION", "RETRY_MAX_INTERVAL", "RETRY_MAX_ELAPSED",
				"RETRY_RECHECK_AFTER", "RETRY_NOT_FOUND_GRACE",
				"DATA_DIR", "NATS_PORT", "SIM_ADDR", "SIM_BOTS", "PUBLIC_URL", "CONSOLE_ADDR", "CONSOLE_TOKEN_FILE", "CONSOLE_WRITE"}}},
		{path: []string{"webhooks", "ensure"}, groups: [][]string{proctest.LogSettings, proctest.NATSSettings, proctest.WebexSettings, webhookSettings, {"BOTS_FILE"}}},
		{path: []string{"webhooks", "watch"}, groups: [][]string{proctest.LogSettings, proctest.NATSSettings, proctest.WebexSettings, webhookSettings, {"BOTS_FILE"},
			{"WEBHOOK_WATCH_INTERVAL", "WEBHOOK_UNSIGNED", "METRICS_ADDR", "PARTITIONS", "EVENTS_SHARDS",
				"WEBHOOK_RECOVERY", "RECOVERY_MAX_WINDOW", "RECOVERY_MAX_ROOMS", "RECOVERY_MAX_MESSAGES", "RECOVERY_LOOKBACK"}}},
	}
	// The operator tools that read or store events take the deployment's
	// EVENTS_SHARDS (and backfill, which places events on partitions, its
	// PARTITIONS), and no stream settings.
	tool := []string{"EVENTS_SHARDS", "WEBEXPIPE_TIMEOUT"}
	// The tools that act per bot read the bot registry.
	registry := []string{"BOTS_FILE"}
	tests = append(tests, []struct {
		path   []string
		groups [][]string
	}{
		{path: []string{"replay"}, groups: [][]string{proctest.NATSSettings, tool, registry}},
		{path: []string{"events", "list"}, groups: [][]string{proctest.NATSSettings, tool, registry}},
		{path: []string{"events", "show"}, groups: [][]string{proctest.NATSSettings, tool, registry, {"WEBEX_WEBHOOK_SECRET", "WEBEX_WEBHOOK_SECRET_FILE"}}},
		{path: []string{"status"}, groups: [][]string{proctest.NATSSettings, proctest.WebexSettings, tool, registry, {"WEBHOOK_NAME_PREFIX"}}},
		{path: []string{"backfill"}, groups: [][]string{proctest.NATSSettings, proctest.WebexSettings, tool, registry, {"PARTITIONS"}}},
	}...)
	for _, tt := range tests {
		t.Run(strings.Join(tt.path, " "), func(t *testing.T) {
			proctest.ExpectSettings(t, subcommand(t, tt.path...), tt.groups...)
		})
	}
}
