package main

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/workers/admin/deadletters"
)

func dlqRedriveCommand(o *dlqOptions) *cobra.Command {
	var (
		sel  selection
		opts deadletters.RedriveOptions
	)
	cmd := &cobra.Command{
		Use:   "redrive [SEQ...]",
		Short: "Send dead letters back: events to the worker that gave up, calls to the retry worker",
		Long: "An event goes to webex.replay.<worker>.<resource>.<event>.<partition>, so only the worker that gave up\n" +
			"handles it again, with its dedup key: if that worker had in fact handled it, its idempotency marker\n" +
			"makes the redrive a no-op unless --force. A call goes back to webex.calls.<worker>.<id> with its attempt\n" +
			"count and time budget reset. Fix the cause first. Each dead letter is deleted once its copy is stored,\n" +
			"unless --keep.",
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, func(ctx context.Context, js jetstream.JetStream) error {
				entries, err := sel.entries(ctx, js, args)
				if err != nil {
					return err
				}
				done := make([]deadletters.Redriven, 0, len(entries))
				for _, e := range entries {
					r, err := deadletters.Redrive(ctx, js, e, opts)
					if err != nil {
						o.reportRedriven(cmd, done)
						return err
					}
					done = append(done, r)
				}
				return o.reportRedriven(cmd, done)
			})
		},
	}
	sel.addFlags(cmd, "redrive")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "handle a redriven event even if the worker's idempotency marker says it was handled"+noEnv)
	cmd.Flags().BoolVar(&opts.Keep, "keep", false, "keep the dead letters after sending them back"+noEnv)
	return cmd
}

func (o *dlqOptions) reportRedriven(cmd *cobra.Command, done []deadletters.Redriven) error {
	if o.json {
		return printJSON(cmd.OutOrStdout(), done)
	}
	for _, r := range done {
		fmt.Fprintf(cmd.OutOrStdout(), "redrove %d (%s) to %s\n", r.Seq, r.Kind, r.Subject)
	}
	if len(done) == 0 {
		fmt.Fprintln(cmd.ErrOrStderr(), "nothing to redrive")
	}
	return nil
}
