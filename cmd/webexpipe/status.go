package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/status"
	"github.com/webexpipe/webexpipe/workers/webexcall/ratelimit"
)

// statusCommand is `webexpipe status`: a thin layer over workers/admin/status.
func statusCommand() *cobra.Command {
	var (
		tool   app.ToolOptions
		webex  process.WebexOptions
		wh     app.WebhookOptions
		choice app.BotChoice
	)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show streams, each worker's backlog, dead letters, the rate-limit pause, and the webhooks on Webex",
		Long: "The webhooks are listed when a Webex token is set (WEBEX_TOKEN or WEBEX_TOKEN_FILE). A section that\n" +
			"cannot be read is reported and the rest still shown; the exit status is 1 when any was not read.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := tool.Context(cmd.Context())
			defer cancel()
			nc, js, err := tool.Connect(ctx, "webexpipe-status", cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer nc.Close()
			o := status.Options{Sharding: tool.Sharding(0)}
			if o.Bots, err = choice.Named(); err != nil {
				return err
			}
			if choice.Registry.File != "" {
				statusPerBot(ctx, cmd, js, &o, choice, webex, wh)
			} else if token, err := webex.ResolveToken(); err != nil {
				return err
			} else if token != "" {
				client, err := webex.Client()
				if err != nil {
					return err
				}
				o.PauseBots = map[string]string{ratelimit.Key(client.TokenKey()): events.DefaultBot}
				o.Webhooks = webhookLister(ctx, client, js, wh.ManagerOptions(nil))
			}
			r, err := status.Collect(ctx, js, o)
			if err != nil {
				return err
			}
			if tool.Output.JSON() {
				err = output.PrintJSON(cmd.OutOrStdout(), r)
			} else {
				err = printStatus(cmd.OutOrStdout(), r)
			}
			if err == nil && len(r.Errors) > 0 {
				err = fmt.Errorf("%d sections could not be read", len(r.Errors))
			}
			return err
		},
	}
	fs := cmd.Flags()
	tool.AddFlags(fs, 30*time.Second)
	tool.AddShardsFlag(fs)
	choice.AddFlags(fs)
	webex.AddFlags(fs)
	wh.AddPrefixFlag(fs)
	return cmd
}

func printStatus(w io.Writer, r *status.Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "status at %s\n\n", r.At.Format(time.RFC3339))
	fmt.Fprintln(tw, "STREAM\tMESSAGES\tBYTES\tFIRST\tLAST\tCONSUMERS")
	for _, s := range r.Streams {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%d\n", s.Name, s.Messages, s.Bytes, stamp(s.FirstTime), stamp(s.LastTime), s.Consumers)
	}
	if r.Events.Shards > 1 {
		fmt.Fprintf(tw, "(events, %d of %d shards)\t%d\t%d\t\t\t\n", r.Events.Streams, r.Events.Shards, r.Events.Messages, r.Events.Bytes)
	}
	fmt.Fprintln(tw, "\nBUCKET\tVALUES\tBYTES")
	for _, b := range r.Buckets {
		fmt.Fprintf(tw, "%s\t%d\t%d\n", b.Name, b.Values, b.Bytes)
	}
	// PULL REQUESTS, not workers: JetStream counts the requests waiting on
	// a consumer, and one worker has several or none (see
	// status.Consumer).
	fmt.Fprintln(tw, "\nWORKER\tBOT\tSTREAM\tPENDING\tACK PENDING\tREDELIVERED\tPULL REQUESTS\tLAST DELIVERY")
	for _, c := range r.Consumers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", c.Name, c.Bot, c.Stream, c.Pending, c.AckPending, c.Redelivered, c.Waiting, stamp(c.LastDelivered))
	}
	if r.Events.Shards > 1 || slices.ContainsFunc(r.Workers, func(w status.WorkerTotal) bool { return w.Bot != r.Workers[0].Bot }) {
		fmt.Fprintln(tw, "\nWORKER TYPE\tBOT\tCONSUMERS\tPENDING\tACK PENDING\tREDELIVERED")
		for _, w := range r.Workers {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\n", w.Worker, w.Bot, w.Consumers, w.Pending, w.AckPending, w.Redelivered)
		}
	}
	fmt.Fprintln(tw, "\nDEAD LETTERS\tCOUNT")
	if len(r.DeadLetters) == 0 {
		fmt.Fprintln(tw, "(none)\t0")
	}
	for _, d := range r.DeadLetters {
		fmt.Fprintf(tw, "%s\t%d\n", d.Worker, d.Count)
	}
	fmt.Fprintln(tw, "\nRATE-LIMIT PAUSE\tBOT\tUNTIL\tSTATUS\tBY\tACTIVE")
	if len(r.Pauses) == 0 {
		fmt.Fprintln(tw, "(none)\t-\t-\t-\t-\tno")
	}
	for _, p := range r.Pauses {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", p.Key, orDash(p.Bot), stamp(p.Until), p.Status, orDash(p.By), yesNo(p.Active))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	switch {
	case r.WebhooksError != "":
		fmt.Fprintln(w, "\nWEBHOOKS")
		fmt.Fprintln(w, "(unknown: they could not be listed, see below)")
	case r.Webhooks != nil:
		fmt.Fprintln(w, "\nWEBHOOKS")
		if len(r.Webhooks) == 0 {
			fmt.Fprintln(w, "(none: no event reaches ingest)")
		} else if err := printHooks(w, r.Webhooks); err != nil {
			return err
		}
	case r.BotWebhooks != nil:
	default:
		fmt.Fprintln(w, "\nwebhooks: not checked (no Webex token set)")
	}
	for _, b := range r.BotWebhooks {
		fmt.Fprintf(w, "\nWEBHOOKS OF BOT %s\n", b.Bot)
		switch {
		case b.Error != "":
			fmt.Fprintln(w, "(unknown: they could not be listed, see below)")
		case len(b.Webhooks) == 0:
			fmt.Fprintln(w, "(none: no event of this bot reaches ingest)")
		default:
			if err := printHooks(w, b.Webhooks); err != nil {
				return err
			}
		}
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "\nnot read:\n  %s\n", strings.Join(r.Errors, "\n  "))
	}
	return nil
}

// statusPerBot fills in what status shows per bot of a registry: whose
// each rate-limit pause is and the chosen bots' webhooks, both of which
// take the bots' tokens. Tokens that cannot be read leave both out, said
// on stderr; the rest of the status is shown.
func statusPerBot(ctx context.Context, cmd *cobra.Command, js jetstream.JetStream, o *status.Options, choice app.BotChoice,
	webex process.WebexOptions, wh app.WebhookOptions) {
	choice.Registry.SkipSecrets = true
	chosen, err := choice.Bots(webex.Single())
	if err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "the bots' tokens were not read, so the pauses are not named and the webhooks not listed: %v\n", err)
		return
	}
	o.PauseBots = map[string]string{}
	for _, b := range chosen {
		client, err := webex.ClientFor(b)
		if err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "bot %s: %v\n", b.ID, err)
			continue
		}
		o.PauseBots[ratelimit.Key(client.TokenKey())] = b.ID
		o.BotWebhooks = append(o.BotWebhooks, status.BotWebhookLister{Bot: b.ID, Lister: webhookLister(ctx, client, js, wh.ManagerOptions(nil))})
	}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
