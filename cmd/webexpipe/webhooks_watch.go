package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

func (c *webhooksCmd) watchCommand() *cobra.Command {
	var (
		metricsAddr string
		unsigned    bool
	)
	cmd := &cobra.Command{
		Use:   "watch [--target URL ...]",
		Short: "Check the webhooks on an interval, re-activate disabled ones with backoff, and serve their health as metrics",
		Long: "Without --target the watchdog only re-activates disabled managed webhooks (five minutes after they were\n" +
			"first seen disabled, longer each time one is disabled again soon after). With --target every round is an\n" +
			"ensure: missing webhooks are created and drift is fixed too. Either way every round checks that the webhooks\n" +
			"of --resources exist and are active (webexpipe_webhook_missing). Runs until interrupted.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			wanted, err := c.wh.Wanted()
			if err != nil {
				return err
			}
			o := webhooks.WatchOptions{Interval: c.wh.WatchInterval, Want: wanted}
			if c.wh.Target != "" {
				spec, err := c.spec(unsigned)
				if err != nil {
					return err
				}
				o.Spec = &spec
			}
			ctx := cmd.Context()
			m, nc, err := c.manager(ctx, cmd)
			if err != nil {
				return err
			}
			defer nc.Close()
			log, err := c.logs.Logger(os.Stderr)
			if err != nil {
				return err
			}
			reg := process.NewRegistry()
			if err := process.RegisterNATSConnected(reg, nc); err != nil {
				return err
			}
			o.Metrics = reg
			o.OnRound = func(rep *webhooks.Report, err error) { printWatchRound(cmd, rep, err) }
			if c.tool.Output.JSON() {
				o.OnRound = func(rep *webhooks.Report, err error) { printWatchRoundJSON(cmd, rep, err) }
			}
			if metricsAddr != "" {
				// A watchdog whose metrics cannot be served is one nobody
				// sees: stop rather than run on blind.
				ops, err := process.StartOps(metricsAddr, reg, func() error { return nil }, log)
				if err != nil {
					return err
				}
				defer ops.Close()
			}
			return m.Watch(ctx, o)
		},
	}
	c.desiredFlags(cmd, webhooks.DefaultWatchInterval)
	cmd.Flags().StringVar(&metricsAddr, "metrics-addr", ":9095", "address serving /metrics and /healthz (empty: none)")
	cmd.Flags().BoolVar(&unsigned, "unsigned", false, "with --target: allow webhooks without a secret")
	process.SetEnvNames(cmd.Flags(), "unsigned", "WEBHOOK_UNSIGNED") // UNSIGNED alone is too generic
	return cmd
}

// printWatchRound prints a round's changes, and its failure.
func printWatchRound(cmd *cobra.Command, rep *webhooks.Report, err error) {
	w := cmd.ErrOrStderr()
	stamp := time.Now().UTC().Format(time.RFC3339)
	if err != nil {
		fmt.Fprintf(w, "%s check failed: %v\n", stamp, err)
		if errors.Is(err, webhooks.ErrLockTimeout) {
			fmt.Fprintln(w, "  (another process held the lock; trying again next round)")
		}
		return
	}
	for _, a := range rep.Actions {
		if a.Kind == webhooks.KindOK {
			continue
		}
		fmt.Fprintf(w, "%s %s\n", stamp, actionLine(a))
	}
	for _, g := range rep.Missing {
		fmt.Fprintf(w, "%s %s\n", stamp, gapLine(g))
	}
}

// gapLine is one webhook that must exist and does not deliver.
func gapLine(g webhooks.Gap) string {
	if g.DisabledID != "" {
		return fmt.Sprintf("missing     %s/%s: %s (%s) is disabled", g.Resource, g.Event, g.DisabledName, g.DisabledID)
	}
	return fmt.Sprintf("missing     %s/%s: no webhook delivers it", g.Resource, g.Event)
}

// printWatchRoundJSON prints every round as one line of JSON: watch runs
// until stopped, so its output is a stream (see cmd/internal/output).
func printWatchRoundJSON(cmd *cobra.Command, rep *webhooks.Report, err error) {
	line := struct {
		At     time.Time        `json:"at"`
		Report *webhooks.Report `json:"report,omitempty"`
		Error  string           `json:"error,omitempty"`
	}{At: time.Now().UTC(), Report: rep}
	if err != nil {
		line.Error = err.Error()
	}
	_ = output.PrintJSONLine(cmd.OutOrStdout(), line)
}
