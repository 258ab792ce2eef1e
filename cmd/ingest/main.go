// Command ingest receives Webex webhooks, verifies their signature, stores
// them in JetStream and answers Webex once they are stored.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/ingest"
)

func main() { os.Exit(run()) }

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := command().ExecuteContext(ctx); err != nil {
		return 1
	}
	return 0
}

func command() *cobra.Command {
	var (
		logs app.LogOptions
		nats app.NATSOptions
		in   app.IngestOptions
	)
	cmd := &cobra.Command{
		Use:           "ingest",
		Short:         "Receive Webex webhooks and store them in JetStream",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			return app.BindEnv(cmd.Flags(), os.LookupEnv)
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := logs.Logger(os.Stderr)
			if err != nil {
				return err
			}
			reg := app.NewRegistry()
			cfg, err := in.Config(log, reg)
			if err != nil {
				log.Error("invalid configuration", "err", err)
				return err
			}
			log.Info("starting ingest", "listen_addr", in.Addr, "path", cfg.Path, "secrets", len(cfg.Secrets),
				"insecure", cfg.Insecure, "partitions", cfg.Partitions, "publish_timeout", cfg.PublishTimeout, "nats_url", nats.URL)
			nc, js, err := app.Connect(cmd.Context(), nats, "webexpipe-ingest", log)
			if err != nil {
				log.Error("NATS", "err", err)
				return err
			}
			defer app.Drain(nc, log)
			svc, err := ingest.New(cfg, nc, js)
			if err != nil {
				log.Error("ingest", "err", err)
				return err
			}
			if err := svc.ListenAndServe(cmd.Context(), ingest.ServerConfig{Addr: in.Addr}); err != nil {
				log.Error("serve", "err", err)
				return err
			}
			log.Info("ingest stopped")
			return nil
		},
	}
	logs.AddFlags(cmd.Flags())
	nats.AddFlags(cmd.Flags())
	in.AddFlags(cmd.Flags())
	app.DescribeEnv(cmd.Flags())
	cmd.SetErrPrefix(fmt.Sprintf("%s:", cmd.Use))
	return cmd
}
