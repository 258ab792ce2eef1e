package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// TestOutputFormats runs every command that prints records with -o table
// and -o json: the table starts with its headers, and the JSON is one
// document holding the fields the README names.
func TestOutputFormats(t *testing.T) {
	e := newOpsEnv(t)
	tests := []struct {
		name    string
		webex   bool
		args    []string
		headers []string // the table's first line, in order
		fields  []string // keys of the JSON object, or of a list's first element
		list    bool     // the JSON is a list
		items   []string // keys of the first of the object's "items"
	}{
		{name: "events list", args: []string{"events", "list", "--since", "1h"},
			headers: []string{"SEQ", "STREAM", "STORED", "RESOURCE/EVENT", "ROOM", "DATA ID", "PERSON", "NOTE"},
			fields:  []string{"stream", "seq", "time", "subject", "resource", "event", "room_id", "dedup_key"}, list: true},
		{name: "events show", args: []string{"events", "show", "1"},
			headers: []string{"event WEBEX_EVENTS:1, stored", " on webex.events.messages.created."},
			fields:  []string{"seq", "subject", "headers", "signature", "body"}},
		{name: "replay dry run", args: []string{"replay", "--worker", "echo", "--since", "1h", "--dry-run"},
			headers: []string{"SEQ", "STREAM", "STORED", "SUBJECT", "ROOM", "HANDLED", "DEDUP KEY"},
			fields:  []string{"summary", "items"}, items: []string{"stream", "seq", "subject", "dedup_key", "handled", "copy_subject", "copy_stream"}},
		{name: "status", webex: true, args: []string{"status"},
			headers: []string{"status at "},
			fields:  []string{"at", "streams", "buckets", "consumers", "dead_letters", "pauses", "webhooks"}},
		{name: "webhooks list", webex: true, args: []string{"webhooks", "list"},
			headers: []string{"ID", "NAME", "RESOURCE/EVENT", "STATUS", "SECRET", "MANAGED", "TARGET", "NOTE"},
			fields:  []string{"id", "name", "resource", "event", "target_url", "status", "secret", "managed"}, list: true},
		{name: "backfill dry run", webex: true, args: []string{"backfill", "--since", "1h", "--dry-run"},
			headers: []string{"MESSAGE", "CREATED", "ROOM", "TYPE", "PERSON", "IN STREAM", "NOW"},
			fields:  []string{"summary", "items"}, items: []string{"message_id", "room_id", "created", "seen", "subject"}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" as a table", func(t *testing.T) {
			out, errOut, err := e.run(t, tt.webex, append(tt.args, "-o", "table")...)
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			checkHeaders(t, out, tt.headers)
		})
		t.Run(tt.name+" as JSON", func(t *testing.T) {
			out, errOut, err := e.run(t, tt.webex, append(tt.args, "-o", "json")...)
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			doc := oneJSONDocument(t, out)
			if tt.list {
				list, ok := doc.([]any)
				if !ok || len(list) == 0 {
					t.Fatalf("want a list with records, got %s", out)
				}
				doc = list[0]
			}
			obj := hasKeys(t, doc, tt.fields)
			if tt.items != nil {
				items, _ := obj["items"].([]any)
				if len(items) == 0 {
					t.Fatalf("no items: %s", out)
				}
				hasKeys(t, items[0], tt.items)
			}
		})
	}

	t.Run("--json is -o json", func(t *testing.T) {
		a, _, err := e.run(t, false, "events", "list", "--json")
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := e.run(t, false, "events", "list", "-o", "json")
		if err != nil {
			t.Fatal(err)
		}
		if a != b || !strings.HasPrefix(a, "[") {
			t.Errorf("--json printed\n%s\n-o json printed\n%s", a, b)
		}
	})
	t.Run("an unknown format", func(t *testing.T) {
		_, _, err := e.run(t, false, "events", "list", "-o", "yaml")
		if err == nil || !strings.Contains(err.Error(), "want table or json") {
			t.Errorf("err = %v, want one naming the formats", err)
		}
	})
	t.Run("an empty list is []", func(t *testing.T) {
		out, _, err := e.run(t, false, "events", "list", "--resource", "memberships", "-o", "json")
		if err != nil || strings.TrimSpace(out) != "[]" {
			t.Errorf("out %q, err %v", out, err)
		}
	})
}

func TestDLQOutputFormats(t *testing.T) {
	e := newDLQEnv(t)
	event := strconv.FormatUint(e.eventSeq, 10)
	out, _, err := e.run(t, false, "", "list", "-o", "table")
	if err != nil {
		t.Fatal(err)
	}
	checkHeaders(t, out, []string{"SEQ", "TIME", "WORKER", "KIND", "WHAT", "TRACKING ID", "REASON"})
	out, _, err = e.run(t, false, "", "list", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	list, _ := oneJSONDocument(t, out).([]any)
	if len(list) != 2 {
		t.Fatalf("want two dead letters: %s", out)
	}
	hasKeys(t, list[0], []string{"seq", "time", "kind", "worker", "reason", "orig_subject"})
	out, _, err = e.run(t, false, "", "show", event, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	hasKeys(t, oneJSONDocument(t, out), []string{"seq", "kind", "worker", "reason", "headers", "body"})

	out, _, err = e.run(t, false, "", "redrive", "--keep", "-o", "table", event)
	if err != nil {
		t.Fatal(err)
	}
	checkHeaders(t, out, []string{"SEQ", "KIND", "SENT TO", "DEAD LETTER"})
	if !strings.Contains(out, "kept") || !strings.Contains(out, "redrove 1 dead letters") {
		t.Errorf("redrive table:\n%s", out)
	}
	out, _, err = e.run(t, false, "", "redrive", "--keep", "-o", "json", event)
	if err != nil {
		t.Fatal(err)
	}
	list, _ = oneJSONDocument(t, out).([]any)
	if len(list) != 1 {
		t.Fatalf("want one redriven: %s", out)
	}
	hasKeys(t, list[0], []string{"seq", "kind", "subject", "msg_id", "deleted"})
}

// A clear-line sequence starts every redraw on a terminal; log lines start
// with a time.
var (
	redraw  = "\r\x1b[K"
	logLine = regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ `)
)

// TestProgress runs the long commands with stderr a terminal, not one, and
// with --quiet. On a terminal the line is drawn in place and cleared at the
// end; elsewhere it is a plain line; --quiet prints none; stdout never
// holds any of it.
func TestProgress(t *testing.T) {
	type run func(t *testing.T, terminal bool, extra ...string) (stdout, stderr string)
	dlq := func(t *testing.T, terminal bool, extra ...string) (string, string) {
		e := newDLQEnv(t)
		cmd := newDLQCommand(func(any) bool { return terminal })
		out, errOut, err := runCaptured(t, cmd, append([]string{"redrive", "--all", "--keep", "--nats-url", e.url}, extra...)...)
		if err != nil {
			t.Fatal(err)
		}
		return out, errOut
	}
	ops := newOpsEnv(t)
	backfill := func(t *testing.T, terminal bool, extra ...string) (string, string) {
		cmd := newBackfillCommand(func(any) bool { return terminal })
		out, errOut, err := runCaptured(t, cmd, append([]string{"--since", "1h", "--dry-run", "--nats-url", ops.natsURL,
			"--webex-token", ops.Sim.Token(), "--webex-api-url", ops.Sim.URL()}, extra...)...)
		if err != nil {
			t.Fatal(err)
		}
		return out, errOut
	}
	// The rate spaces the copies 0.5 s apart: the replay outlasts its
	// first progress report, however fast the machine is.
	replay := func(t *testing.T, terminal bool, extra ...string) (string, string) {
		cmd := newReplayCommand(func(any) bool { return terminal })
		out, errOut, err := runCaptured(t, cmd, append([]string{"--worker", "echo", "--from-seq", "1", "--rate", "2",
			"--nats-url", ops.natsURL}, extra...)...)
		if err != nil {
			t.Fatal(err)
		}
		return out, errOut
	}
	tests := []struct {
		name string
		run  run
		line string // what the progress line starts with
	}{
		{name: "dlq redrive", run: dlq, line: "dlq redrive: 0/2 dead letters (0%), 0 events, 0 calls"},
		{name: "backfill", run: backfill, line: "backfill: 1/"},
		{name: "replay", run: replay, line: "replay: "},
	}
	for _, tt := range tests {
		t.Run(tt.name+" on a terminal", func(t *testing.T) {
			out, errOut := tt.run(t, true)
			if !strings.HasPrefix(errOut, redraw+tt.line) || !strings.HasSuffix(errOut, redraw) {
				t.Errorf("stderr %q: want a line drawn with %q and cleared at the end", errOut, redraw+tt.line)
			}
			if strings.Contains(errOut, "\n") {
				t.Errorf("a newline in the redrawn line: %q", errOut)
			}
			if strings.ContainsAny(out, "\r\x1b") {
				t.Errorf("progress on stdout: %q", out)
			}
		})
		t.Run(tt.name+" in a log", func(t *testing.T) {
			out, errOut := tt.run(t, false)
			if strings.ContainsAny(errOut, "\r\x1b") {
				t.Errorf("carriage return or escape in a log: %q", errOut)
			}
			if loc := logLine.FindStringIndex(errOut); loc == nil || !strings.HasPrefix(errOut[loc[1]:], tt.line) {
				t.Errorf("stderr %q: want a log line with %q", errOut, tt.line)
			}
			if logLine.MatchString(out) {
				t.Errorf("progress on stdout: %q", out)
			}
		})
		for _, terminal := range []bool{true, false} {
			t.Run(tt.name+" quiet, terminal "+strconv.FormatBool(terminal), func(t *testing.T) {
				out, errOut := tt.run(t, terminal, "--quiet")
				if strings.Contains(errOut, tt.line) || strings.Contains(errOut, redraw) {
					t.Errorf("progress with --quiet: %q", errOut)
				}
				if out == "" {
					t.Error("--quiet also dropped the summary")
				}
			})
		}
	}
}

// runCaptured runs cmd in-process with args.
func runCaptured(t *testing.T, cmd *cobra.Command, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetIn(strings.NewReader(""))
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = cmd.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

// checkHeaders checks that out is not JSON and that its first line holds
// headers, in order.
func checkHeaders(t *testing.T, out string, headers []string) {
	t.Helper()
	if first := strings.TrimSpace(out); strings.HasPrefix(first, "{") || strings.HasPrefix(first, "[") {
		t.Fatalf("JSON where a table was asked for:\n%s", out)
	}
	line, _, _ := strings.Cut(out, "\n")
	at := 0
	for _, h := range headers {
		i := strings.Index(line[at:], h)
		if i < 0 {
			t.Fatalf("header %q missing or out of order in %q", h, line)
		}
		at += i + len(h)
	}
}

// oneJSONDocument parses out, which must be exactly one JSON document.
func oneJSONDocument(t *testing.T, out string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if err := dec.Decode(new(any)); !errors.Is(err, io.EOF) {
		t.Fatalf("more than one JSON document (%v):\n%s", err, out)
	}
	return v
}

// hasKeys checks that v is an object with keys, and returns it.
func hasKeys(t *testing.T, v any, keys []string) map[string]any {
	t.Helper()
	obj, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("want an object, got %T", v)
	}
	for _, k := range keys {
		if _, ok := obj[k]; !ok {
			t.Errorf("no %q in %v", k, obj)
		}
	}
	return obj
}
