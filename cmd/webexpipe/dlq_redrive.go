package main

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/workers/admin/deadletters"
)

func dlqRedriveCommand(o *dlqOptions) *cobra.Command {
	var (
		sel   selection
		opts  deadletters.RedriveOptions
		quiet bool
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
				// A redrive stores events: on the shards the deployment has.
				if err := app.CheckShards(ctx, js, o.sharding()); err != nil {
					return err
				}
				opts.Sharding = o.sharding()
				bots, err := o.choice.Named()
				if err != nil {
					return err
				}
				entries, err := sel.entries(ctx, js, args, bots)
				if err != nil {
					return err
				}
				prog := startProgress(cmd, quiet, o.terminal)
				done := make([]deadletters.Redriven, 0, len(entries))
				if len(entries) > 0 {
					prog.Update(redriveStep(done, len(entries)))
				}
				for _, e := range entries {
					r, err := deadletters.Redrive(ctx, js, e, opts)
					if err != nil {
						prog.Done()
						_ = o.reportRedriven(cmd, done)
						return err
					}
					done = append(done, r)
					prog.Update(redriveStep(done, len(entries)))
				}
				prog.Done()
				return o.reportRedriven(cmd, done)
			})
		},
	}
	sel.addFlags(cmd, "redrive")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "handle a redriven event even if the worker's idempotency marker says it was handled"+noEnv)
	cmd.Flags().BoolVar(&opts.Keep, "keep", false, "keep the dead letters after sending them back"+noEnv)
	output.AddQuietFlag(cmd.Flags(), &quiet)
	return cmd
}

// redriveStep is a redrive's progress for output.Progress.
func redriveStep(done []deadletters.Redriven, total int) output.Step {
	var events, calls int
	for _, r := range done {
		if r.Kind == deadletters.KindCall {
			calls++
		} else {
			events++
		}
	}
	return output.Step{What: "dlq redrive", Done: uint64(len(done)), Total: uint64(total), Unit: "dead letters",
		Detail: fmt.Sprintf("%d events, %d calls", events, calls)}
}

// reportRedriven prints what was sent back: the list, then a count.
func (o *dlqOptions) reportRedriven(cmd *cobra.Command, done []deadletters.Redriven) error {
	if o.output.JSON() {
		return output.PrintJSON(cmd.OutOrStdout(), done)
	}
	if len(done) == 0 {
		fmt.Fprintln(cmd.ErrOrStderr(), "nothing to redrive")
		return nil
	}
	w := cmd.OutOrStdout()
	t := output.NewTable(w, "SEQ", "KIND", "SENT TO", "DEAD LETTER")
	for _, r := range done {
		left := "kept"
		if r.Deleted {
			left = "deleted"
		}
		t.Row(r.Seq, r.Kind, r.Subject, left)
	}
	if err := t.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "redrove %d dead letters\n", len(done))
	return nil
}
