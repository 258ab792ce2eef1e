package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/replay"
)

// replayCommand is `webexpipe replay`: a thin layer over workers/admin/replay.
func replayCommand() *cobra.Command { return newReplayCommand(output.IsTerminal) }

// newReplayCommand builds `webexpipe replay`; tests choose what counts as a
// terminal.
func newReplayCommand(terminal func(any) bool) *cobra.Command {
	var (
		tool         app.ToolOptions
		choice       app.BotChoice
		o            replay.Options
		since, until string
		fromSeq      string
		quiet        bool
	)
	cmd := &cobra.Command{
		Use:   "replay --worker NAME (--since WHEN | --from-seq [STREAM:]N)",
		Short: "Send stored events through a worker type again (idempotent unless --force)",
		Long: "Copies the stored events of a window to webex.replay.<worker>.<resource>.<event>.<partition>, which only\n" +
			"that worker type's consumer takes (a bot's: webex.replay.<worker>.<bot>.…, taken by <worker>@<bot>); --bot picks\n" +
			"the bots (default: every bot of the registry); a run resumed with --run-id keeps its bots. Events it handled before are skipped by its idempotency markers\n" +
			"unless --force. WHEN is an RFC 3339 time or a duration ago (2h). Every events shard is read;\n" +
			"a sequence is one stream's, so with more than one shard --from-seq names it (WEBEX_EVENTS_1:42).",
		Example: "  webexpipe replay --worker echo --since 2h --dry-run\n" +
			"  webexpipe replay --worker echo --since 2026-05-04T09:00:00Z --until 2026-05-04T10:00:00Z --rate 5 --force",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := time.Now()
			var err error
			if since == "" && fromSeq == "" {
				return errors.New("say where the window starts: --since WHEN or --from-seq [STREAM:]N")
			}
			o.Sharding = tool.Sharding(0)
			choice.IDsOnly()
			chosen, err := choice.Bots(bots.SingleSettings{})
			if err != nil {
				return err
			}
			o.Bots = app.BotIDs(chosen)
			if fromSeq != "" {
				if o.Stream, o.FromSeq, err = app.ParseStreamSeq(fromSeq, o.Sharding); err != nil {
					return fmt.Errorf("--from-seq %w", err)
				}
			}
			if since != "" {
				if o.Since, err = app.ParseWhen(since, now); err != nil {
					return fmt.Errorf("--since %w", err)
				}
			}
			if until != "" {
				if o.Until, err = app.ParseWhen(until, now); err != nil {
					return fmt.Errorf("--until %w", err)
				}
			}
			ctx, cancel := tool.Context(cmd.Context())
			defer cancel()
			nc, js, err := tool.Connect(ctx, "webexpipe-replay", cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer nc.Close()
			if err := app.CheckShards(ctx, js, o.Sharding); err != nil {
				return err
			}

			var items []replay.Item
			if o.DryRun {
				o.OnEvent = func(it replay.Item) { items = append(items, it) }
			}
			prog := startProgress(cmd, quiet, terminal)
			o.Progress = func(p replay.Progress) { prog.Update(replayStep(p)) }
			o.ProgressEvery = replayProgressEvery
			sum, err := replay.Run(ctx, js, o)
			prog.Done()
			if tool.Output.JSON() {
				if perr := output.PrintJSON(cmd.OutOrStdout(), struct {
					Summary replay.Progress `json:"summary"`
					Items   []replay.Item   `json:"items,omitempty"`
				}{sum, items}); perr != nil {
					return perr
				}
				return err
			}
			if o.DryRun {
				if perr := printReplayItems(cmd.OutOrStdout(), items); perr != nil {
					return perr
				}
			}
			if sum.Run != "" {
				printReplaySummary(cmd.OutOrStdout(), sum)
			}
			return err
		},
	}
	tool.AddFlags(cmd.Flags(), 0)
	tool.AddShardsFlag(cmd.Flags())
	choice.AddFlags(cmd.Flags())
	fs := cmd.Flags()
	fs.StringVar(&o.Worker, "worker", "", "the worker type to replay to (its durable consumer's name, e.g. echo)")
	fs.StringVar(&since, "since", "", "start of the window: an RFC 3339 time or a duration ago")
	fs.StringVar(&until, "until", "", "end of the window (default: the last event stored when the replay starts)")
	fs.StringVar(&fromSeq, "from-seq", "", "start of the window as a stream sequence, STREAM:N with more than one events shard (instead of --since)")
	fs.StringVar(&o.Resource, "resource", "", "only this resource (among the worker's)")
	fs.StringVar(&o.Event, "event", "", "only this event (among the worker's)")
	fs.StringVar(&o.RoomID, "room", "", "only the events of this room id")
	fs.Float64Var(&o.Rate, "rate", 0, "copies stored per second at most (0: as fast as possible)")
	fs.BoolVar(&o.DryRun, "dry-run", false, "list what would be replayed and store nothing")
	fs.BoolVar(&o.Force, "force", false, "handle every copy, even events the worker already handled")
	fs.StringVar(&o.RunID, "run-id", "", "the run's id (default: new); repeat a run's id to finish it without storing copies twice")
	output.AddQuietFlag(fs, &quiet)
	process.FlagOnly(fs, "worker", "since", "until", "from-seq", "resource", "event", "room", "rate", "dry-run", "force", "run-id")
	_ = cmd.MarkFlagRequired("worker")
	return cmd
}

// replayProgressEvery is how often a replay reports: often enough for a
// line redrawn on a terminal (the log lines are fewer, see output.Progress).
const replayProgressEvery = 250 * time.Millisecond

// replayStep is a replay's progress for output.Progress: events read of the
// window (an upper bound, so the ETA errs long), and what became of them.
// The run id comes last: a terminal line may be cut there (the summary
// names it), a log line keeps it for a --run-id resume.
func replayStep(p replay.Progress) output.Step {
	s := output.Step{What: "replay", Done: p.Scanned, Total: p.Total, Unit: "events"}
	if p.DryRun {
		s.Detail = fmt.Sprintf("%d selected (dry run), run %s", p.Selected, p.Run)
	} else {
		s.Detail = fmt.Sprintf("%d selected, %d stored, run %s", p.Selected, p.Stored+p.Duplicates, p.Run)
	}
	return s
}

func printReplaySummary(w io.Writer, p replay.Progress) {
	fmt.Fprintf(w, "replay %s to %s", p.Run, p.Worker)
	if len(p.Bots) > 1 || len(p.Bots) == 1 && p.Bots[0] != events.DefaultBot {
		fmt.Fprintf(w, " for bots %s", strings.Join(p.Bots, ", "))
	}
	fmt.Fprintf(w, ": %d events selected", p.Selected)
	if p.DryRun {
		fmt.Fprint(w, ", nothing stored (dry run)")
	} else {
		fmt.Fprintf(w, ", %d copies stored", p.Stored)
	}
	if p.Duplicates > 0 {
		fmt.Fprintf(w, ", %d stored by this run before", p.Duplicates)
	}
	switch {
	case p.Selected > 0 && p.FirstStream == p.LastStream && p.FirstStream == events.EventsStream:
		fmt.Fprintf(w, ", sequences %d..%d", p.FirstSeq, p.LastSeq)
	case p.Selected > 0:
		fmt.Fprintf(w, ", from %s:%d to %s:%d", p.FirstStream, p.FirstSeq, p.LastStream, p.LastSeq)
	}
	fmt.Fprintf(w, ", in %s", p.Elapsed.Round(time.Millisecond))
	if p.Selected > 0 && !p.DryRun {
		fmt.Fprintf(w, " (%.1f/s)", p.Rate)
	}
	fmt.Fprintln(w)
	switch {
	case p.Handled > 0 && p.Force:
		fmt.Fprintf(w, "%d of them were handled before and will be handled again (--force)\n", p.Handled)
	case p.Handled > 0:
		fmt.Fprintf(w, "%d of them were handled before: the worker skips them (--force handles them again)\n", p.Handled)
	}
	if p.Skipped > 0 {
		fmt.Fprintf(w, "%d of them the worker settled with no marker left to say so (ignored, or the marker expired): no copy stored\n", p.Skipped)
	}
}

func printReplayItems(w io.Writer, items []replay.Item) error {
	if len(items) == 0 {
		return nil
	}
	t := output.NewTable(w, "SEQ", "STREAM", "STORED", "BOT", "SUBJECT", "ROOM", "HANDLED", "DEDUP KEY")
	for _, it := range items {
		t.Row(it.Seq, it.Stream, it.Time.UTC().Format(time.RFC3339), it.Bot, it.Subject, orDash(it.RoomID), yesNo(it.Handled), it.DedupKey)
	}
	return t.Flush()
}
