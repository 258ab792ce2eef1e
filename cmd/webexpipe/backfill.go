package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/backfill"
	webexapi "github.com/webexpipe/webexpipe/workers/webex"
)

// backfillCommand is `webexpipe backfill`: a thin layer over
// workers/admin/backfill.
func backfillCommand() *cobra.Command { return newBackfillCommand(output.IsTerminal) }

// newBackfillCommand builds `webexpipe backfill`; tests choose what counts
// as a terminal.
func newBackfillCommand(terminal func(any) bool) *cobra.Command {
	var (
		tool   app.ToolOptions
		webex  process.WebexOptions
		o      backfill.Options
		since  string
		quiet  bool
		choice app.BotChoice
	)
	cmd := &cobra.Command{
		Use:   "backfill --since WHEN [--room ID]...",
		Short: "Store the recent messages whose webhooks never arrived, so the workers handle them (safe to run twice)",
		Long: "Lists the messages of the window in the rooms the bot is in (in group rooms only those that mention the\n" +
			"bot) and stores a messages/created event, marked as backfilled, for each one the stream has never seen.\n" +
			"WHEN is an RFC 3339 time or a duration ago (1h). Needs WEBEX_TOKEN (or WEBEX_TOKEN_FILE); with BOTS_FILE each\n" +
			"chosen bot (--bot; default every bot) is backfilled with its own token, onto its own subjects.",
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
			runs, err := backfillBots(&choice, webex)
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
			o.Shards = tool.Shards
			if err := app.CheckShards(ctx, js, tool.Sharding(o.Partitions)); err != nil {
				return err
			}
			type botBackfill struct {
				Bot     string           `json:"bot"`
				Summary backfill.Summary `json:"summary"`
				Items   []backfill.Item  `json:"items"`
				Error   string           `json:"error,omitempty"`
			}
			var all []botBackfill
			var errs []error
			for _, r := range runs {
				items := []backfill.Item{}
				bo := o
				bo.Bot = r.bot
				bo.OnMessage = func(it backfill.Item) { items = append(items, it) }
				prog := startProgress(cmd, quiet, terminal)
				bo.Progress = func(s backfill.Summary, rooms int) { prog.Update(backfillStep(s, rooms)) }
				sum, err := backfill.Run(ctx, js, r.client, bo)
				prog.Done()
				b := botBackfill{Bot: r.bot, Summary: sum, Items: items}
				if err != nil {
					b.Error = err.Error()
					if choice.Registry.File != "" {
						err = fmt.Errorf("bot %s: %w", r.bot, err)
					}
					errs = append(errs, err)
				}
				all = append(all, b)
				if tool.Output.JSON() {
					continue
				}
				if choice.Registry.File != "" {
					fmt.Fprintf(cmd.OutOrStdout(), "bot %s:\n", r.bot)
				}
				if perr := printBackfill(cmd.OutOrStdout(), sum, items); perr != nil {
					return perr
				}
			}
			if tool.Output.JSON() {
				var perr error
				if choice.Registry.File == "" {
					// The one bot of the single-bot settings: the output
					// it always had.
					perr = output.PrintJSON(cmd.OutOrStdout(), struct {
						Summary backfill.Summary `json:"summary"`
						Items   []backfill.Item  `json:"items"`
					}{all[0].Summary, all[0].Items})
				} else {
					perr = output.PrintJSON(cmd.OutOrStdout(), all)
				}
				if perr != nil {
					return perr
				}
			}
			return errors.Join(errs...)
		},
	}
	fs := cmd.Flags()
	tool.AddFlags(fs, 5*time.Minute)
	tool.AddShardsFlag(fs)
	webex.AddFlags(fs)
	choice.AddFlags(fs)
	fs.IntVar(&o.Partitions, "partitions", events.DefaultPartitions, "partitions per resource/event: the same as ingest's")
	fs.StringVar(&since, "since", "", "start of the window: an RFC 3339 time or a duration ago")
	fs.StringSliceVar(&o.Rooms, "room", nil, "only these room ids (repeat, or comma-separated); default every room of the bot")
	fs.BoolVar(&o.DryRun, "dry-run", false, "list what would be stored, and store nothing")
	output.AddQuietFlag(fs, &quiet)
	process.FlagOnly(fs, "since", "room", "dry-run")
	return cmd
}

// backfillStep is a backfill's progress for output.Progress: rooms read of
// the window's, and what their messages came to.
func backfillStep(s backfill.Summary, rooms int) output.Step {
	st := output.Step{What: "backfill", Done: uint64(s.Rooms), Total: uint64(rooms), Unit: "rooms",
		Detail: fmt.Sprintf("%d messages, %d missing", s.Messages, s.Missing)}
	if !s.DryRun {
		st.Detail += fmt.Sprintf(", %d stored", s.Stored)
	}
	return st
}

func printBackfill(w io.Writer, sum backfill.Summary, items []backfill.Item) error {
	t := output.NewTable(w, "MESSAGE", "CREATED", "ROOM", "TYPE", "PERSON", "IN STREAM", "NOW")
	for _, it := range items {
		now := "-"
		switch {
		case it.Stored:
			now = fmt.Sprintf("stored as %s:%d", it.Stream, it.Seq)
		case it.Duplicate:
			now = "stored by someone else just now"
		case !it.Seen && sum.DryRun:
			now = "would be stored"
		}
		t.Row(it.MessageID, it.Created, it.RoomID, it.RoomType, orDash(it.PersonEmail), yesNo(it.Seen), now)
	}
	if len(items) > 0 {
		if err := t.Flush(); err != nil {
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

// backfillRun is one bot to backfill, and the client that calls as it.
type backfillRun struct {
	bot    string
	client *webexapi.Client
}

// backfillBots are the bots a backfill covers: with a registry each
// chosen bot with its token, else the one bot of WEBEX_TOKEN (--bot may
// name it, default).
func backfillBots(choice *app.BotChoice, webex process.WebexOptions) ([]backfillRun, error) {
	if choice.Registry.File == "" {
		if _, err := choice.Named(); err != nil {
			return nil, err
		}
		client, err := webex.Client()
		if err != nil {
			return nil, err
		}
		return []backfillRun{{bot: events.DefaultBot, client: client}}, nil
	}
	choice.Registry.SkipSecrets = true
	chosen, err := choice.Bots(webex.Single())
	if err != nil {
		return nil, err
	}
	var out []backfillRun
	for _, b := range chosen {
		client, err := webex.ClientFor(b)
		if err != nil {
			return nil, err
		}
		out = append(out, backfillRun{bot: b.ID, client: client})
	}
	return out, nil
}
