package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/workers/admin/inspect"
)

// eventsCommand is `webexpipe events`: a thin layer over workers/admin/inspect.
func eventsCommand() *cobra.Command {
	tool := &app.ToolOptions{}
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Look at the stored events: list a window, show one in full",
	}
	tool.AddFlags(cmd.PersistentFlags(), 30*time.Second)
	tool.AddShardsFlag(cmd.PersistentFlags())
	cmd.AddCommand(eventsListCommand(tool), eventsShowCommand(tool))
	return cmd
}

func eventsListCommand(tool *app.ToolOptions) *cobra.Command {
	var (
		f            inspect.Filter
		since, until string
		choice       app.BotChoice
	)
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List stored events, newest first, from every events shard",
		Example: "  webexpipe events list --since 1h --resource messages\n  webexpipe events list --room Y2lzY29... --limit 10 -o json\n  webexpipe events list --bot support",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := time.Now()
			var err error
			if f.Bots, err = choice.Named(); err != nil {
				return err
			}
			if since != "" {
				if f.Since, err = app.ParseWhen(since, now); err != nil {
					return fmt.Errorf("--since %w", err)
				}
			}
			if until != "" {
				if f.Until, err = app.ParseWhen(until, now); err != nil {
					return fmt.Errorf("--until %w", err)
				}
			}
			ctx, cancel := tool.Context(cmd.Context())
			defer cancel()
			nc, js, err := tool.Connect(ctx, "webexpipe-events", cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer nc.Close()
			f.Sharding = tool.Sharding(0)
			if err := app.CheckShards(ctx, js, f.Sharding); err != nil {
				return err
			}
			recs, err := inspect.List(ctx, js, f)
			if err != nil {
				return err
			}
			if tool.Output.JSON() {
				return output.PrintJSON(cmd.OutOrStdout(), recs)
			}
			if len(recs) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "no events")
				return nil
			}
			return printRecords(cmd.OutOrStdout(), recs)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&since, "since", "", "only events stored since: an RFC 3339 time or a duration ago (1h)")
	fs.StringVar(&until, "until", "", "only events stored until then")
	fs.StringVar(&f.Resource, "resource", "", "only this resource, e.g. messages")
	fs.StringVar(&f.Event, "event", "", "only this event, e.g. created")
	fs.StringVar(&f.RoomID, "room", "", "only the events of this room id")
	fs.BoolVar(&f.Replays, "replays", false, "include replayed copies")
	choice.AddFlags(fs)
	fs.IntVar(&f.Limit, "limit", inspect.DefaultLimit, "list at most this many")
	process.FlagOnly(fs, "since", "until", "resource", "event", "room", "replays", "limit")
	return cmd
}

func eventsShowCommand(tool *app.ToolOptions) *cobra.Command {
	var (
		in     app.IngestOptions
		choice app.BotChoice
	)
	cmd := &cobra.Command{
		Use:   "show [STREAM:]SEQ",
		Short: "Show one stored event: headers, envelope, and its signature checked again when a secret is set",
		Long: "An event is named by its stream and sequence, as `webexpipe events list` shows them (WEBEX_EVENTS_1:42);\n" +
			"with one events shard the sequence alone names it in WEBEX_EVENTS. With BOTS_FILE the signature is\n" +
			"checked with the secrets of the event's bot.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sh := tool.Sharding(0)
			stream, seq, err := app.ParseStreamSeq(args[0], sh)
			if err != nil {
				return fmt.Errorf("%w (see `webexpipe events list`)", err)
			}
			secrets, err := in.ResolveSecrets()
			if err != nil {
				return err
			}
			ctx, cancel := tool.Context(cmd.Context())
			defer cancel()
			nc, js, err := tool.Connect(ctx, "webexpipe-events", cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer nc.Close()
			if err := app.CheckShards(ctx, js, sh); err != nil {
				return err
			}
			ev, err := inspect.Get(ctx, js, stream, seq)
			if errors.Is(err, inspect.ErrNotFound) {
				return fmt.Errorf("%w (expired, or never stored)", err)
			}
			if err != nil {
				return err
			}
			if len(secrets) == 0 && choice.Registry.File != "" {
				secrets = botSecrets(cmd.ErrOrStderr(), choice, ev.Bot)
			}
			verdict := ev.Verify(secrets)
			if tool.Output.JSON() {
				return output.PrintJSON(cmd.OutOrStdout(), struct {
					inspect.Record
					Headers   map[string][]string `json:"headers"`
					Signature inspect.Verdict     `json:"signature"`
					Body      any                 `json:"body"`
				}{ev.Record, ev.Header, verdict, jsonOrString(ev.Body)})
			}
			return printStored(cmd.OutOrStdout(), ev, verdict)
		},
	}
	// The secrets ingest checks with, under the same names (and the same
	// environment variables).
	cmd.Flags().StringSliceVar(&in.Secrets, "webex-webhook-secret", nil, "webhook secrets to check the signature with, comma-separated")
	cmd.Flags().StringVar(&in.SecretFile, "webex-webhook-secret-file", "", "file with webhook secrets, one per line")
	choice.Registry.AddFlags(cmd.Flags())
	return cmd
}

// botSecrets are the webhook secrets of bot in the registry, to check a
// stored event's signature with; none (the signature is then not checked)
// when they cannot be read, which is said on w.
func botSecrets(w io.Writer, choice app.BotChoice, bot string) [][]byte {
	choice.Registry.SkipTokens = true
	choice.IDs = []string{bot}
	bs, err := choice.Bots(bots.SingleSettings{})
	if err != nil {
		fmt.Fprintf(w, "signature not checked: %v\n", err)
		return nil
	}
	var out [][]byte
	for _, s := range bs[0].Secrets() {
		out = append(out, []byte(s.Reveal()))
	}
	return out
}

func printRecords(w io.Writer, recs []inspect.Record) error {
	t := output.NewTable(w, "SEQ", "STREAM", "STORED", "BOT", "RESOURCE/EVENT", "ROOM", "DATA ID", "PERSON", "NOTE")
	for _, r := range recs {
		t.Row(r.Seq, r.Stream, r.Time.UTC().Format(time.RFC3339), r.Bot, r.Resource+"/"+r.Event,
			orDash(r.RoomID), orDash(r.DataID), orDash(r.PersonEmail), orDash(recordNote(r)))
	}
	return t.Flush()
}

// recordNote says what is special about a stored event.
func recordNote(r inspect.Record) string {
	switch {
	case r.Replay != "":
		return fmt.Sprintf("replay of %d to %s (run %s)", r.OrigSeq, r.Replay, r.Run)
	case r.Backfilled:
		return "backfilled"
	case r.DecodeError != "":
		return "undecodable: " + r.DecodeError
	}
	return ""
}

func printStored(w io.Writer, ev *inspect.Stored, verdict inspect.Verdict) error {
	fmt.Fprintf(w, "event %s:%d, stored %s on %s\nbot: %s\n", ev.Stream, ev.Seq, ev.Time.UTC().Format(time.RFC3339Nano), ev.Subject, ev.Bot)
	if note := recordNote(ev.Record); note != "" {
		fmt.Fprintln(w, note)
	}
	if ev.DedupKey != "" {
		fmt.Fprintf(w, "dedup key: %s\n", ev.DedupKey)
	}
	fmt.Fprintf(w, "signature: %s\n\nheaders:\n", verdict)
	keys := make([]string, 0, len(ev.Header))
	for k := range ev.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range ev.Header[k] {
			fmt.Fprintf(w, "  %s: %s\n", k, v)
		}
	}
	fmt.Fprintf(w, "\nenvelope:\n%s\n", ev.Pretty())
	return nil
}
