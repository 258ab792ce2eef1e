package main

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/workers/admin/deadletters"
)

func dlqListCommand(o *dlqOptions) *cobra.Command {
	var f deadletters.Filter
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List dead letters with why each was given up on",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bots, err := o.choice.Named()
			if err != nil {
				return err
			}
			f.Bots = bots
			return o.run(cmd, func(ctx context.Context, js jetstream.JetStream) error {
				entries, err := deadletters.List(ctx, js, f)
				if err != nil {
					return err
				}
				if o.output.JSON() {
					return output.PrintJSON(cmd.OutOrStdout(), entries)
				}
				if len(entries) == 0 {
					fmt.Fprintln(cmd.ErrOrStderr(), "no dead letters")
					return nil
				}
				return printTable(cmd.OutOrStdout(), entries)
			})
		},
	}
	cmd.Flags().StringVar(&f.Worker, "worker", "", "only the dead letters of this worker type (\"retry\" for calls)"+noEnv)
	cmd.Flags().IntVar(&f.Limit, "limit", 0, "list at most this many, oldest first (0: all)"+noEnv)
	return cmd
}

func dlqShowCommand(o *dlqOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "show SEQ",
		Short: "Show one dead letter: its headers, and for a call every attempt",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			seqs, err := parseSeqs(args)
			if err != nil {
				return err
			}
			return o.run(cmd, func(ctx context.Context, js jetstream.JetStream) error {
				e, err := deadletters.Get(ctx, js, seqs[0])
				if err != nil {
					return err
				}
				if o.output.JSON() {
					return output.PrintJSON(cmd.OutOrStdout(), shownEntry{Entry: e, Headers: e.Header, Body: e.Body()})
				}
				return printEntry(cmd.OutOrStdout(), e)
			})
		},
	}
}
