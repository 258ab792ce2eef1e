package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/workers/admin/deadletters"
)

// shownEntry is `dlq show --json`: the entry with its headers and body.
type shownEntry struct {
	*deadletters.Entry
	Headers nats.Header     `json:"headers"`
	Body    json.RawMessage `json:"body"`
}

// printTable writes one line per dead letter.
func printTable(w io.Writer, entries []*deadletters.Entry) error {
	t := output.NewTable(w, "SEQ", "TIME", "BOT", "WORKER", "KIND", "WHAT", "TRACKING ID", "REASON")
	for _, e := range entries {
		t.Row(e.Seq, e.Time.UTC().Format(time.RFC3339), e.Bot, e.Worker, e.Kind, what(e), dash(e.TrackingID), oneLine(e.Reason, 100))
	}
	return t.Flush()
}

// what names what was given up on, briefly.
func what(e *deadletters.Entry) string {
	if e.Call != nil {
		return fmt.Sprintf("%s %s for %s, %d attempts", e.Call.Method, e.Call.Path, e.Call.Worker, len(e.Call.History))
	}
	if e.OrigSeq != 0 {
		return fmt.Sprintf("%s %s:%d", e.OrigSubject, e.OrigStream, e.OrigSeq)
	}
	return dash(e.OrigSubject)
}

// printEntry writes one dead letter in full.
func printEntry(w io.Writer, e *deadletters.Entry) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", name, value)
		}
	}
	field("Sequence", fmt.Sprint(e.Seq))
	field("Stored", e.Time.UTC().Format(time.RFC3339Nano))
	field("Kind", string(e.Kind))
	field("Bot", e.Bot)
	field("Worker", e.Worker)
	field("Reason", e.Reason)
	field("Tracking ID", e.TrackingID)
	field("Original subject", e.OrigSubject)
	field("Original stream", e.OrigStream)
	if e.OrigSeq != 0 {
		field("Original sequence", fmt.Sprint(e.OrigSeq))
	}
	if e.Deliveries != 0 {
		field("Deliveries", fmt.Sprint(e.Deliveries))
	}
	field("Dedup key", e.DedupKey)
	if c := e.Call; c != nil {
		field("Call", fmt.Sprintf("%s %s (id %s, stored by %s)", c.Method, c.Path, c.ID, c.Worker))
		if c.Event != nil {
			field("From event", fmt.Sprintf("%s #%d (%s)", c.Event.Subject, c.Event.Seq, c.Event.DedupKey))
		}
		field("First attempt", c.FirstAttempt.UTC().Format(time.RFC3339Nano))
		field("Ambiguous", fmt.Sprint(c.Ambiguous))
		if c.Redriven > 0 {
			field("Redriven", fmt.Sprint(c.Redriven))
		}
	}
	field("Call record", e.CallErr)
	if err := tw.Flush(); err != nil {
		return err
	}

	if c := e.Call; c != nil {
		fmt.Fprintf(w, "\nHistory (%d attempts", len(c.History))
		if c.HistoryDropped > 0 {
			fmt.Fprintf(w, ", %d more dropped", c.HistoryDropped)
		}
		fmt.Fprintln(w, "):")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  #\tAT\tBY\tOUTCOME\tSTATUS\tTOOK\tTRACKING ID\tERROR")
		for i, a := range c.History {
			status := dash("")
			if a.Status != 0 {
				status = fmt.Sprint(a.Status)
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i+1, a.At.UTC().Format(time.RFC3339Nano), a.By, a.Outcome,
				status, a.Took.Round(time.Millisecond), dash(a.TrackingID), oneLine(a.Error, 120))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	fmt.Fprintln(w, "\nHeaders:")
	keys := make([]string, 0, len(e.Header))
	for k := range e.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %s: %s\n", k, strings.Join(e.Header[k], ", "))
	}
	fmt.Fprintln(w, "\nBody:")
	var pretty bytes.Buffer
	if json.Indent(&pretty, e.Data, "  ", "  ") == nil {
		fmt.Fprintf(w, "  %s\n", pretty.String())
	} else {
		fmt.Fprintf(w, "  %q\n", e.Data)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine keeps text on one line of at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}
