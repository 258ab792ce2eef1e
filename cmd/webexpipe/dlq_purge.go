package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/workers/admin/deadletters"
)

// errNotConfirmed is returned when purge was not confirmed.
var errNotConfirmed = errors.New("purge not confirmed: nothing deleted")

func dlqPurgeCommand(o *dlqOptions) *cobra.Command {
	var (
		sel selection
		yes bool
	)
	cmd := &cobra.Command{
		Use:   "purge [SEQ...]",
		Short: "Delete dead letters for good, after confirmation",
		Long: "Deletes the dead letters named by sequence, or with --all every one (of --worker). It lists what it\n" +
			"will delete and asks first; without a terminal to ask on, it refuses unless --yes. Only the dead\n" +
			"letters listed are deleted, not ones that arrive meanwhile.",
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, func(ctx context.Context, js jetstream.JetStream) error {
				bots, err := o.choice.Named()
				if err != nil {
					return err
				}
				entries, err := sel.entries(ctx, js, args, bots)
				if err != nil {
					return err
				}
				if len(entries) == 0 {
					fmt.Fprintln(cmd.ErrOrStderr(), "nothing to purge")
					return nil
				}
				if !yes {
					if err := o.confirm(cmd, entries); err != nil {
						return err
					}
				}
				seqs := make([]uint64, len(entries))
				for i, e := range entries {
					seqs[i] = e.Seq
				}
				n, err := deadletters.Delete(ctx, js, seqs...)
				if o.output.JSON() {
					if jerr := output.PrintJSON(cmd.OutOrStdout(), map[string]any{"deleted": seqs[:n]}); jerr != nil && err == nil {
						err = jerr
					}
				} else {
					fmt.Fprintf(cmd.OutOrStdout(), "deleted %d dead letters\n", n)
				}
				return err
			})
		},
	}
	sel.addFlags(cmd, "purge")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation (required when stdin is not a terminal)"+noEnv)
	return cmd
}

// confirm lists what purge would delete and asks on the terminal.
func (o *dlqOptions) confirm(cmd *cobra.Command, entries []*deadletters.Entry) error {
	in := cmd.InOrStdin()
	if !o.terminal(in) {
		return fmt.Errorf("%d dead letters selected; stdin is not a terminal to confirm on: add --yes to purge them", len(entries))
	}
	w := cmd.ErrOrStderr()
	if err := printTable(w, entries); err != nil {
		return err
	}
	fmt.Fprintf(w, "Delete these %d dead letters for good? [y/N] ", len(entries))
	answer, _ := bufio.NewReader(in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return errNotConfirmed
}
