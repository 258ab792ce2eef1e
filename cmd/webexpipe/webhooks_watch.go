package main

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/recovery"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

func (c *webhooksCmd) watchCommand() *cobra.Command {
	var (
		metricsAddr string
		unsigned    bool
		rec         recoveryFlags
	)
	cmd := &cobra.Command{
		Use:   "watch [--target URL ...]",
		Short: "Check the webhooks on an interval, re-activate disabled ones with backoff, and serve their health as metrics",
		Long: "Without --target the watchdog only re-activates disabled managed webhooks (five minutes after they were\n" +
			"first seen disabled, longer each time one is disabled again soon after). With --target every round is an\n" +
			"ensure: missing webhooks are created and drift is fixed too. Either way every round checks that the webhooks\n" +
			"of --resources exist and are active (webexpipe_webhook_missing). When a disabled webhook is active again it\n" +
			"recovers the messages lost meanwhile, as backfill does, within --recovery-max-* (--recovery=false: not).\n" +
			"Runs until interrupted.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := rec.validate(); err != nil {
				return err
			}
			if per, err := c.perBot(); err != nil {
				return err
			} else if per {
				return c.watchBots(cmd, unsigned, &rec, metricsAddr)
			}
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
			conn, err := c.connect(ctx, cmd)
			if err != nil {
				return err
			}
			defer conn.nc.Close()
			log := conn.log
			reg := process.NewRegistry()
			if err := process.RegisterNATSConnected(reg, conn.nc); err != nil {
				return err
			}
			o.Metrics = reg
			if rec.on {
				ro := rec.options(reg, log.With("component", "recovery"))
				ro.OnFinish = func(r recovery.Result) { printRecovery(cmd, "", r) }
				if c.tool.Output.JSON() {
					ro.OnFinish = func(r recovery.Result) { printRecoveryJSON(cmd, "", r) }
				}
				// The recovery reads and stores events: on every shard, so
				// it must know them all.
				if err := app.CheckShards(ctx, conn.js, events.Sharding{Shards: ro.Shards, Partitions: ro.Partitions}); err != nil {
					return err
				}
				if o.Recovery, err = recovery.Open(ctx, conn.js, conn.client, ro); err != nil {
					return err
				}
			}
			o.OnRound = func(rep *webhooks.Report, err error) { printWatchRound(cmd, "", rep, err) }
			if c.tool.Output.JSON() {
				o.OnRound = func(rep *webhooks.Report, err error) { printWatchRoundJSON(cmd, "", rep, err) }
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
			return conn.m.Watch(ctx, o)
		},
	}
	c.desiredFlags(cmd, webhooks.DefaultWatchInterval)
	cmd.Flags().StringVar(&metricsAddr, "metrics-addr", ":9095", "address serving /metrics and /healthz (empty: none)")
	cmd.Flags().BoolVar(&unsigned, "unsigned", false, "with --target: allow webhooks without a secret")
	process.SetEnvNames(cmd.Flags(), "unsigned", "WEBHOOK_UNSIGNED") // UNSIGNED alone is too generic
	rec.addFlags(cmd.Flags())
	return cmd
}

// recoveryFlags are the settings of the watchdog's recovery.
type recoveryFlags struct {
	on bool
	o  recovery.Options
}

func (r *recoveryFlags) addFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&r.on, "recovery", true, "when a disabled webhook is active again, recover the messages lost meanwhile")
	process.SetEnvNames(fs, "recovery", "WEBHOOK_RECOVERY") // RECOVERY alone is too generic
	fs.DurationVar(&r.o.MaxWindow, "recovery-max-window", recovery.DefaultMaxWindow,
		"longest stretch recovered: of a longer outage only its latest part (the rest is logged, for a backfill by hand)")
	fs.IntVar(&r.o.MaxRooms, "recovery-max-rooms", recovery.DefaultMaxRooms, "most rooms one recovery lists; beyond it the rest is logged and left")
	fs.IntVar(&r.o.MaxMessages, "recovery-max-messages", recovery.DefaultMaxMessages,
		"most messages one recovery stores; beyond it the rest is logged and left")
	fs.DurationVar(&r.o.Lookback, "recovery-lookback", recovery.DefaultLookback,
		"how long before a webhook was first seen disabled its recovery starts (Webex fails deliveries for up to 5m before it disables one)")
	fs.IntVar(&r.o.Partitions, "partitions", events.DefaultPartitions, "partitions per resource/event: the same as ingest's")
	process.AddShardsFlag(fs, &r.o.Shards)
}

// validate refuses values of 0 or less: recovery.Options would read 0
// as its default, and an operator who wants no recovery turns it off.
func (r *recoveryFlags) validate() error {
	if r.o.Partitions <= 0 {
		return fmt.Errorf("PARTITIONS=%d: it must be above 0, the same as ingest's", r.o.Partitions)
	}
	if r.o.Shards <= 0 {
		return fmt.Errorf("EVENTS_SHARDS=%d: it must be above 0, the same as ingest's", r.o.Shards)
	}
	for _, c := range []struct {
		name  string
		value string
		bad   bool
	}{
		{"RECOVERY_MAX_WINDOW", r.o.MaxWindow.String(), r.o.MaxWindow <= 0},
		{"RECOVERY_MAX_ROOMS", fmt.Sprint(r.o.MaxRooms), r.o.MaxRooms <= 0},
		{"RECOVERY_MAX_MESSAGES", fmt.Sprint(r.o.MaxMessages), r.o.MaxMessages <= 0},
		{"RECOVERY_LOOKBACK", r.o.Lookback.String(), r.o.Lookback <= 0},
	} {
		if c.bad {
			return fmt.Errorf("%s=%s: it must be above 0 (WEBHOOK_RECOVERY=false turns the recovery off)", c.name, c.value)
		}
	}
	return nil
}

// options are the recovery options, with the metrics and log.
func (r *recoveryFlags) options(reg prometheus.Registerer, log *slog.Logger) recovery.Options {
	o := r.o
	o.Metrics, o.Logger = reg, log
	return o
}

// watchStamp starts a line of watch: the time, and the bot when the
// watch serves the bots of a registry (bot is "" otherwise).
func watchStamp(bot string) string {
	stamp := time.Now().UTC().Format(time.RFC3339)
	if bot != "" {
		stamp += " bot " + bot
	}
	return stamp
}

// printRecovery prints a finished recovery.
func printRecovery(cmd *cobra.Command, bot string, r recovery.Result) {
	w := cmd.ErrOrStderr()
	stamp := watchStamp(bot)
	g := r.Gap
	fmt.Fprintf(w, "%s recovered   %s to %s: %d rooms listed (%d done before), %d messages recovered, %d in the stream already\n",
		stamp, g.From.UTC().Format(time.RFC3339), g.To.UTC().Format(time.RFC3339), r.Rooms, r.Done, r.Stored, r.Seen)
	if !g.CutFrom.IsZero() {
		fmt.Fprintf(w, "%s   the outage began earlier: webexpipe backfill --since %s recovers the rest\n", stamp, g.CutFrom.UTC().Format(time.RFC3339))
	}
	if r.Cut != "" {
		fmt.Fprintf(w, "%s   cut short by --recovery-max-%s: webexpipe backfill --since %s recovers the rest\n", stamp, r.Cut, g.From.UTC().Format(time.RFC3339))
	}
}

// printWatchRound prints a round's changes, and its failure.
func printWatchRound(cmd *cobra.Command, bot string, rep *webhooks.Report, err error) {
	w := cmd.ErrOrStderr()
	stamp := watchStamp(bot)
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
func printWatchRoundJSON(cmd *cobra.Command, bot string, rep *webhooks.Report, err error) {
	line := struct {
		At     time.Time        `json:"at"`
		Bot    string           `json:"bot,omitempty"`
		Report *webhooks.Report `json:"report,omitempty"`
		Error  string           `json:"error,omitempty"`
	}{At: time.Now().UTC(), Bot: bot, Report: rep}
	if err != nil {
		line.Error = err.Error()
	}
	_ = output.PrintJSONLine(cmd.OutOrStdout(), line)
}

// printRecoveryJSON prints a finished recovery as one line of JSON.
func printRecoveryJSON(cmd *cobra.Command, bot string, r recovery.Result) {
	_ = output.PrintJSONLine(cmd.OutOrStdout(), struct {
		At       time.Time       `json:"at"`
		Bot      string          `json:"bot,omitempty"`
		Recovery recovery.Result `json:"recovery"`
	}{time.Now().UTC(), bot, r})
}
