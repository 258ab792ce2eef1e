package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/webexpipe/webexpipe/cmd/process"
)

// provisionCommand creates or updates the streams and buckets and exits.
// With least-privilege NATS users (deploy/nats) only the admin user may do
// this; the binaries then run with PROVISION=false.
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
			nc, _, err := process.Connect(cmd.Context(), nats, "webexpipe-provision", log)
			if err != nil {
				return err
			}
			defer process.Drain(nc, log)
			fmt.Fprintf(cmd.OutOrStdout(), "streams and buckets provisioned on %s (replicas %d)\n",
				process.RedactURL(nats.URL), nats.Streams.Replicas)
			return nil
		},
	}
	logs.AddFlags(cmd.Flags())
	nats.AddFlags(cmd.Flags())
	return cmd
}
