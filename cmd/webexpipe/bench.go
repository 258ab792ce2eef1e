package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/bench"
	"github.com/webexpipe/webexpipe/cmd/process"
)

// benchOptions are the flags of `webexpipe bench`.
type benchOptions struct {
	url         string
	secret      string
	rate        int
	connections int
	duration    time.Duration
	count       int
	rooms       int
	baseline    bool
	jsonOut     bool
	e2e         bool
	simURL      string
	users       int
	wait        time.Duration
}

func benchCommand() *cobra.Command {
	var o benchOptions
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Load ingest with signed webhooks (or, with --e2e, the whole pipeline through the emulator) and report throughput and latency",
		Long: `bench sends correctly signed webhooks shaped like messages/created, each with
a new message id, spread over --rooms rooms, to an ingest on loopback: at a fixed
--rate, or as fast as --connections allow. Their resource is ` + bench.Resource + `,
which no worker consumes: ingest stores them like any event, and the workers of
the deployment under test (` + "`webexpipe dev`" + ` included) never see them. It stops after --count deliveries
or --duration. --baseline first measures a no-op HTTP handler in this process
with the same client, so the numbers can be read as ratios.

With --e2e it posts messages as users to the Webex emulator (--sim-url) at
--rate and measures, from the emulator's timestamps, how long the bot takes
to reply; run it against ` + "`webexpipe dev`" + ` with ECHO_MODE=text or both.

Only loopback addresses are accepted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBench(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8080/webhooks/webex", "ingest webhook URL (loopback only)")
	process.SetEnvNames(fs, "url", "BENCH_URL") // URL alone is too generic
	fs.StringVar(&o.secret, "webex-webhook-secret", "", "secret that signs the deliveries; ingest must accept it")
	fs.IntVar(&o.rate, "rate", 0, "deliveries (or, with --e2e, messages) per second; 0: as fast as --connections allow")
	fs.IntVar(&o.connections, "connections", 16, "requests in flight at most")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of the run")
	fs.IntVar(&o.count, "count", 0, "stop after this many deliveries (or e2e messages); 0: only --duration bounds the run")
	fs.IntVar(&o.rooms, "rooms", 16, "rooms the messages are spread over")
	fs.BoolVar(&o.baseline, "baseline", false, "also measure a no-op HTTP handler on loopback with the same client")
	fs.BoolVar(&o.jsonOut, "json", false, "print the results as JSON")
	fs.BoolVar(&o.e2e, "e2e", false, "end to end: post as users to the emulator and time the bot's replies")
	fs.StringVar(&o.simURL, "sim-url", defaultSimURL, "base URL of the Webex emulator, for --e2e")
	fs.IntVar(&o.users, "users", 8, "users posting (one direct room each), for --e2e")
	fs.DurationVar(&o.wait, "wait", 30*time.Second, "how long to wait for the last replies, for --e2e")
	// What the run does comes from the command line only; where ingest is
	// and its secret may come from the environment.
	process.FlagOnly(fs, "rate", "connections", "duration", "count", "rooms", "baseline", "json", "e2e", "users", "wait")
	return cmd
}

func runBench(ctx context.Context, o benchOptions, out io.Writer) error {
	if o.e2e {
		count, rate := o.count, o.rate
		if count == 0 && rate > 0 {
			count = int(o.duration.Seconds() * float64(rate))
		}
		r, err := bench.RunE2E(ctx, bench.E2EConfig{SimURL: o.simURL, Rate: rate, Count: count, Users: o.users, Wait: o.wait})
		if err != nil {
			return err
		}
		if o.jsonOut {
			return writeJSON(out, r)
		}
		r.WriteText(out)
		return nil
	}
	if o.secret == "" {
		return errors.New("a webhook secret is required: --webex-webhook-secret or WEBEX_WEBHOOK_SECRET, the one ingest checks")
	}
	cfg := bench.Config{URL: o.url, Secret: []byte(o.secret), Rate: o.rate, Connections: o.connections,
		Duration: o.duration, Count: o.count, Rooms: o.rooms}
	if o.baseline {
		c, err := bench.RunWithBaseline(ctx, cfg)
		if err != nil {
			return err
		}
		if o.jsonOut {
			return writeJSON(out, c)
		}
		c.Baseline.WriteText(out)
		c.Target.WriteText(out)
		fmt.Fprintf(out, "ingest / baseline: throughput %.2f×, p50 %.2f×, p99 %.2f×\n", c.Ratio.Throughput, c.Ratio.P50, c.Ratio.P99)
		return nil
	}
	r, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if o.jsonOut {
		return writeJSON(out, r)
	}
	r.WriteText(out)
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
