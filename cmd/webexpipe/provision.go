package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
)

// provisionCommand creates or updates the streams and buckets and exits.
// With least-privilege NATS users (deploy/nats) only the admin user may do
// this; the binaries then run with PROVISION=false. It takes the
// deployment's EVENTS_SHARDS and PARTITIONS, which decide the event
// streams, spreads the shard leaders over a cluster's servers, and checks
// the streams it leaves.
func provisionCommand() *cobra.Command {
	var (
		logs process.LogOptions
		nats process.NATSOptions
	)
	cmd := &cobra.Command{
		Use:   "provision",
		Short: "Create or update the streams and buckets (idempotent), then exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := logs.Logger(os.Stderr)
			if err != nil {
				return err
			}
			nats.Provision = true
			sharding := nats.Streams.Sharding
			if err := sharding.Validate(); err != nil {
				return fmt.Errorf("EVENTS_SHARDS=%d, PARTITIONS=%d: %w", sharding.Shards, sharding.Partitions, err)
			}
			nc, js, err := process.Connect(cmd.Context(), nats, "webexpipe-provision", log)
			if err != nil {
				return err
			}
			defer process.Drain(nc, log)
			app.SpreadShardLeaders(cmd.Context(), js, nats, sharding, log)
			if err := app.CheckShards(cmd.Context(), js, sharding); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "streams and buckets provisioned on %s (replicas %d, %d events shards over %d partitions)\n",
				process.RedactURL(nats.URL), nats.Streams.Replicas, sharding.Shards, sharding.Partitions)
			return nil
		},
	}
	logs.AddFlags(cmd.Flags())
	nats.AddFlags(cmd.Flags())
	process.AddShardsFlag(cmd.Flags(), &nats.Streams.Sharding.Shards)
	cmd.Flags().IntVar(&nats.Streams.Sharding.Partitions, "partitions", events.DefaultPartitions, "partitions per resource/event: the same as ingest's (the shards' streams capture them)")
	return cmd
}
