package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/backfill"
)

// backfillCommand is `webexpipe backfill`: a thin layer over
// workers/admin/backfill.
func backfillCommand() *cobra.Command {
	var (
		tool  app.ToolOptions
		webex process.WebexOptions
		o     backfill.Options
		since string
	)
	cmd := &cobra.Command{
		Use:   "backfill --since WHEN [--room ID]...",
		Short: "Store the recent messages whose webhooks never arrived, so the workers handle them (safe to run twice)",
		Long: "Lists the messages of the window in the rooms the bot is in (in group rooms only those that mention the\n" +
			"bot) and stores a messages/created event, marked as backfilled, for each one the stream has never seen.\n" +
			"WHEN is an RFC 3339 time or a duration ago (1h). Needs WEBEX_TOKEN (or WEBEX_TOKEN_FILE).",
		Example: "  webexpipe backfill --since 1h --dry-run\n  webexpipe backfill --since 2026-05-04T09:00:00Z --room Y2lzY29...",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if since == "" {
				return errors.New("--since is required: where the window of lost messages starts")
			}
			var err error
			if o.Since, err = app.ParseWhen(since, time.Now()); err != nil {
				return fmt.Errorf("--since %w", err)
			}
			client, err := webex.Client()
			if err != nil {
				return err
			}
			ctx, cancel := tool.Context(cmd.Context())
			defer cancel()
			nc, js, err := tool.Connect(ctx, "webexpipe-backfill", cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer nc.Close()
			var items []backfill.Item
			o.OnMessage = func(it backfill.Item) { items = append(items, it) }
			sum, err := backfill.Run(ctx, js, client, o)
			if tool.JSON {
				if items == nil {
					items = []backfill.Item{}
				}
				if perr := printJSONTo(cmd.OutOrStdout(), struct {
					Summary backfill.Summary `json:"summary"`
					Items   []backfill.Item  `json:"items"`
				}{sum, items}); perr != nil {
					return perr
				}
				return err
			}
			if perr := printBackfill(cmd.OutOrStdout(), sum, items); perr != nil {
				return perr
			}
			return err
		},
	}
	fs := cmd.Flags()
	tool.AddFlags(fs, 5*time.Minute)
	webex.AddFlags(fs)
	fs.IntVar(&o.Partitions, "partitions", events.DefaultPartitions, "partitions per resource/event: the same as ingest's")
	fs.StringVar(&since, "since", "", "start of the window: an RFC 3339 time or a duration ago")
	fs.StringSliceVar(&o.Rooms, "room", nil, "only these room ids (repeat, or comma-separated); default every room of the bot")
	fs.BoolVar(&o.DryRun, "dry-run", false, "list what would be stored, and store nothing")
	process.FlagOnly(fs, "since", "room", "dry-run")
	return cmd
}

func printBackfill(w io.Writer, sum backfill.Summary, items []backfill.Item) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MESSAGE\tCREATED\tROOM\tTYPE\tPERSON\tIN STREAM\tNOW")
	for _, it := range items {
		now := "-"
		switch {
		case it.Stored:
			now = fmt.Sprintf("stored as %d", it.Seq)
		case it.Duplicate:
			now = "stored by someone else just now"
		case !it.Seen && sum.DryRun:
			now = "would be stored"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.MessageID, it.Created, it.RoomID, it.RoomType, orDash(it.PersonEmail), yesNo(it.Seen), now)
	}
	if len(items) > 0 {
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "backfill since %s: %d rooms, %d messages (%d of the bot's own left out), %d already in the stream, %d missing",
		sum.Since.UTC().Format(time.RFC3339), sum.Rooms, sum.Messages, sum.Own, sum.Seen, sum.Missing)
	if sum.DryRun {
		fmt.Fprintln(w, "; nothing stored (dry run)")
	} else {
		fmt.Fprintf(w, ", %d stored, %d stored by someone else just now\n", sum.Stored, sum.Duplicates)
	}
	if sum.Partial {
		fmt.Fprintf(w, "note: the stream only holds events since %s; older messages were checked against it only as far as it goes\n",
			sum.StreamFrom.UTC().Format(time.RFC3339))
	}
	return nil
}
