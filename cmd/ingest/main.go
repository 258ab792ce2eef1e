// Command ingest receives Webex webhooks, verifies their signature, stores
// them in JetStream and answers Webex once they are stored.
package main

import (
	"errors"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/ingest"
)

func main() {
	tuneGC()
	os.Exit(process.Execute(command()))
}

// defaultGCPercent is ingest's GOGC unless the environment sets one. Its
// live heap is small (a few MB: deliveries in flight and connection
// buffers) and almost everything it allocates dies with the request, so
// the runtime's default of 100 collects very often for little gain. 400
// cut the collector's share of CPU under load at the cost of some
// 10 MB more resident memory.
const defaultGCPercent = 400

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}

func command() *cobra.Command {
	var (
		logs   process.LogOptions
		nats   process.NATSOptions
		in     app.IngestOptions
		webexO process.WebexOptions
		wh     app.WebhookOptions
		debug  process.DebugOptions
	)
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Receive Webex webhooks and store them in JetStream",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := logs.Logger(os.Stderr)
			if err != nil {
				return err
			}
			if in.Bots.File != "" && (webexO.Token != "" || webexO.TokenFile != "") {
				// Ingest's webhook check and watchdog call Webex as the one
				// bot of WEBEX_TOKEN: with a registry, which bot that is
				// would be a guess.
				return errors.New("BOTS_FILE is set: leave WEBEX_TOKEN(_FILE) unset for ingest; its webhook check and watchdog serve a single-bot deployment only")
			}
			reg := process.NewRegistry()
			cfg, err := in.Config(log, reg)
			if err != nil {
				return err
			}
			process.WarnOldNames(cmd.Flags(), log)
			sharding := cfg.Sharding()
			log.Info("starting ingest", "listen_addr", in.Addr, "path", cfg.Path, "secrets", len(cfg.Secrets), "bots_file", in.Bots.File,
				"insecure", cfg.Insecure, "partitions", sharding.Partitions, "events_shards", sharding.Shards,
				"publish_timeout", cfg.PublishTimeout, "nats_url", process.RedactURL(nats.URL))
			// The bot's webhooks as Webex lists them at start, and those
			// of signed deliveries, name ingest's signature failures.
			cfg.KnownWebhooks = ingest.NewWebhookIDs()
			waitCheck, err := app.StartWebhookCheck(cmd.Context(), webexO, wh, cfg.KnownWebhooks.Add, log)
			if err != nil {
				return err
			}
			defer waitCheck()
			stopDebug, err := debug.Start(log)
			if err != nil {
				return err
			}
			defer stopDebug()
			nats.NoReconnectBuffer = true
			nats.Streams.Sharding = sharding
			nc, js, err := process.Connect(cmd.Context(), nats, "webexpipe-ingest", log)
			if err != nil {
				return err
			}
			defer process.Drain(nc, log)
			app.SpreadShardLeaders(cmd.Context(), js, nats, sharding, log)
			if err := app.CheckShards(cmd.Context(), js, sharding); err != nil {
				return err
			}
			if err := process.RegisterNATSConnected(reg, nc); err != nil {
				return err
			}
			svc, err := ingest.New(cfg, nc, js)
			if err != nil {
				return err
			}
			defer svc.Close() // after Serve and its spool forwarder stopped
			waitWatch, err := app.StartWebhookWatch(cmd.Context(), js, webexO, wh, in, reg, log)
			if err != nil {
				return err
			}
			defer waitWatch()
			return svc.ListenAndServe(cmd.Context(), ingest.ServerConfig{Addr: in.Addr})
		},
	}
	logs.AddFlags(cmd.Flags())
	nats.AddFlags(cmd.Flags())
	in.AddFlags(cmd.Flags())
	in.Bots.AddFlags(cmd.Flags())
	process.AddShardsFlag(cmd.Flags(), &in.Shards)
	webexO.AddFlags(cmd.Flags())
	wh.AddFlags(cmd.Flags(), 0)
	// Ingest's start check had a setting of its own; it is now
	// --webhook-resources, the one list of the webhooks that must exist.
	process.AddOldName(cmd.Flags(), "webhook-resources", "expect-webhooks")
	debug.AddFlags(cmd.Flags())
	return cmd
}
