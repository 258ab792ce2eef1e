package workerkit_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/internal/proctest"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/cmd/workerkit"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// TestWorkerCommandRegistersTheGroupsThatApply: what a worker binary
// consumes and whether it calls Webex decide which settings it has, and
// none is hidden.
func TestWorkerCommandRegistersTheGroupsThatApply(t *testing.T) {
	messages := []events.ResourceEvent{{Resource: "messages", Event: "created"}}
	common := [][]string{proctest.LogSettings, proctest.NATSSettings, proctest.StreamSettings, proctest.RuntimeSettings, proctest.OpsSettings, proctest.WorkerBotsSettings,
		{"OWN_SETTING"}}
	tests := []struct {
		name   string
		events []events.ResourceEvent
		webex  bool
		groups [][]string
	}{
		{name: "events, calls Webex", events: messages, webex: true,
			groups: [][]string{proctest.EventSettings, proctest.ShardSettings, proctest.WebexSettings, proctest.CallerSettings, proctest.OutboxSettings}},
		{name: "events, no Webex", events: messages, groups: [][]string{proctest.EventSettings, proctest.ShardSettings}},
		{name: "another stream, calls Webex", webex: true, groups: [][]string{proctest.WebexSettings, proctest.CallerSettings}},
		{name: "another stream, no Webex"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var own string
			cmd := workerkit.WorkerCommand(workerkit.WorkerBinary{
				Name: "test-worker", MetricsAddr: ":0", Events: tt.events, CallsWebex: tt.webex,
				Flags: func(fs *pflag.FlagSet) { fs.StringVar(&own, "own-setting", "", "the worker type's own") },
				Run: func(context.Context, *slog.Logger, process.NATSOptions, workerkit.WorkerOptions) error {
					return nil
				},
			})
			proctest.ExpectSettings(t, cmd, append(common, tt.groups...)...)
		})
	}
}

// TestBotCommandSettings: a bot team's worker consumes webhook events and
// calls Webex; it reads those groups and its own settings.
func TestBotCommandSettings(t *testing.T) {
	var sides int
	cmd := workerkit.BotCommand(workerkit.Bot{
		Binary: "dice-worker", Worker: "dice", MetricsAddr: ":9095",
		Events: []events.ResourceEvent{{Resource: "messages", Event: "created"}},
		Flags:  func(fs *pflag.FlagSet) { fs.IntVar(&sides, "dice-sides", 6, "sides of a die") },
		Handler: func(*webexcall.Client, *slog.Logger, prometheus.Registerer) (workers.Handler, error) {
			return nil, nil
		},
	})
	proctest.ExpectSettings(t, cmd, proctest.LogSettings, proctest.NATSSettings, proctest.StreamSettings, proctest.RuntimeSettings,
		proctest.OpsSettings, proctest.WorkerBotsSettings, proctest.EventSettings, proctest.ShardSettings, proctest.WebexSettings, proctest.CallerSettings, proctest.OutboxSettings,
		[]string{"DICE_SIDES"})
}
