package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

// dlqEnv is a JetStream holding one dead event of echo and one dead call.
type dlqEnv struct {
	url             string
	js              jetstream.JetStream
	eventSeq, call  uint64
	deadCall        *outbox.Call
	eventDedupKey   string
	eventOrigSubj   string
	eventTrackingID string
}

func newDLQEnv(t *testing.T) *dlqEnv {
	t.Helper()
	srv, _, js := localnats.StartProvisioned(t)
	e := &dlqEnv{url: srv.ClientURL(), js: js, eventDedupKey: "messages:created:m-1",
		eventOrigSubj: events.EventSubject("messages", "created", 7), eventTrackingID: "TRACK-EVENT"}
	ctx := dlqCtx(t)
	ev := nats.NewMsg(events.DLQSubject("echo"))
	ev.Data = []byte(`{"id":"wh","resource":"messages","event":"created","data":{"id":"m-1","roomId":"r-1"}}`)
	for k, v := range map[string]string{
		events.HeaderWorker: "echo", events.HeaderDLQReason: "permanent: send reply: webex: POST /messages: 400 Bad Request",
		events.HeaderTrackingID: e.eventTrackingID, events.HeaderOrigSubject: e.eventOrigSubj, events.HeaderOrigSeq: "12",
		events.HeaderDeliveries: "1", events.HeaderDedupKey: e.eventDedupKey,
	} {
		ev.Header.Set(k, v)
	}
	ack, err := js.PublishMsg(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	e.eventSeq = ack.Sequence

	c := outbox.New("echo", http.MethodPost, "/messages", []byte(`{"roomId":"r-1","markdown":"hi"}`), &outbox.EventRef{Seq: 13, DedupKey: "messages:created:m-2"})
	c.Record(outbox.Attempt{At: time.Now(), By: "echo", Outcome: outbox.OutcomeRetryable, Status: 503, TrackingID: "TRACK-1", Error: "503"})
	c.Record(outbox.Attempt{At: time.Now(), By: "retry", Outcome: outbox.OutcomePermanent, Status: 403, TrackingID: "TRACK-2", Error: "403"})
	body, _ := c.Encode()
	cm := nats.NewMsg(events.DLQSubject(events.RetryWorker))
	cm.Data = body
	cm.Header.Set(events.HeaderWorker, events.RetryWorker)
	cm.Header.Set(events.HeaderDLQReason, "permanent: gave up on call: 403 Forbidden")
	cm.Header.Set(events.HeaderCallID, c.ID)
	cm.Header.Set(events.HeaderOrigSubject, c.Subject())
	if ack, err = js.PublishMsg(ctx, cm); err != nil {
		t.Fatal(err)
	}
	e.call, e.deadCall = ack.Sequence, c
	return e
}

func dlqCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// run runs `webexpipe dlq args...` against the env's server.
func (e *dlqEnv) run(t *testing.T, interactive bool, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := newDLQCommand(func(any) bool { return interactive })
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(append(args, "--nats-url", e.url, "--timeout", "10s"))
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err = cmd.ExecuteContext(dlqCtx(t))
	return out.String(), errOut.String(), err
}

func (e *dlqEnv) remaining(t *testing.T) []uint64 {
	t.Helper()
	out, _, err := e.run(t, false, "", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var entries []struct{ Seq uint64 }
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("list --json: %v\n%s", err, out)
	}
	var seqs []uint64
	for _, x := range entries {
		seqs = append(seqs, x.Seq)
	}
	return seqs
}

func TestDLQListAndShow(t *testing.T) {
	e := newDLQEnv(t)
	tests := []struct {
		name string
		args []string
		want []string // substrings of stdout
		not  []string
	}{
		{name: "table", args: []string{"list"}, want: []string{"SEQ", "REASON", "400 Bad Request", e.eventTrackingID, "TRACK-2", "POST /messages for echo, 2 attempts", "echo", "retry"}},
		{name: "one worker", args: []string{"list", "--worker", "retry"}, want: []string{"403 Forbidden"}, not: []string{"400 Bad Request"}},
		{name: "json", args: []string{"list", "--json", "--limit", "1"}, want: []string{`"seq": 1`, `"kind": "event"`}, not: []string{`"kind": "call"`}},
		{name: "show an event", args: []string{"show", strconv.FormatUint(e.eventSeq, 10)}, want: []string{"Original subject:", e.eventOrigSubj, "Dedup key:", `"resource": "messages"`}},
		{name: "show a call", args: []string{"show", strconv.FormatUint(e.call, 10)},
			want: []string{"History (2 attempts)", "TRACK-1", "TRACK-2", "retryable", "permanent", "Call:", e.deadCall.ID}},
		{name: "show json", args: []string{"show", "--json", strconv.FormatUint(e.call, 10)}, want: []string{`"history"`, `"headers"`, `"body"`, `"tracking_id": "TRACK-2"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := e.run(t, false, "", tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.want {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(out, s) {
					t.Errorf("output has %q:\n%s", s, out)
				}
			}
		})
	}
	if _, _, err := e.run(t, false, "", "show", "99"); err == nil {
		t.Error("show of a missing sequence succeeded")
	}
}

func TestDLQRedrive(t *testing.T) {
	e := newDLQEnv(t)
	for _, bad := range [][]string{{"redrive"}, {"redrive", "1", "--all"}, {"redrive", "x"}, {"redrive", "1", "--worker", "echo"}} {
		if _, _, err := e.run(t, false, "", bad...); err == nil {
			t.Errorf("dlq %v succeeded", bad)
		}
	}
	out, _, err := e.run(t, false, "", "redrive", "--force", strconv.FormatUint(e.eventSeq, 10))
	if err != nil {
		t.Fatal(err)
	}
	replay := events.ReplaySubject("echo", "messages", "created", 7)
	if !strings.Contains(out, replay) || !strings.Contains(out, "redrove 1 dead letters") {
		t.Errorf("redrive output: %s", out)
	}
	s, err := e.js.Stream(dlqCtx(t), events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetLastMsgForSubject(dlqCtx(t), replay)
	if err != nil {
		t.Fatalf("no redriven event: %v", err)
	}
	if m.Header.Get(events.HeaderDedupKey) != e.eventDedupKey || m.Header.Get(events.HeaderReplayForce) != "true" {
		t.Errorf("redriven headers %v", m.Header)
	}

	out, _, err = e.run(t, false, "", "redrive", "--all", "--worker", "retry", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var done []struct{ Subject string }
	if err := json.Unmarshal([]byte(out), &done); err != nil || len(done) != 1 || done[0].Subject != e.deadCall.Subject() {
		t.Fatalf("redrive --json = %s (%v)", out, err)
	}
	if left := e.remaining(t); len(left) != 0 {
		t.Errorf("dead letters left after redriving both: %v", left)
	}
}

func TestDLQPurge(t *testing.T) {
	tests := []struct {
		name        string
		interactive bool
		stdin       string
		args        []string
		fails       bool
		wantErr     error // matched with errors.Is when set
		wantLeft    int
	}{
		{name: "refused without a terminal", args: []string{"purge", "--all"}, fails: true, wantLeft: 2},
		{name: "answered no", interactive: true, stdin: "n\n", args: []string{"purge", "--all"}, fails: true, wantErr: errNotConfirmed, wantLeft: 2},
		{name: "answered nothing", interactive: true, stdin: "", args: []string{"purge", "1"}, fails: true, wantErr: errNotConfirmed, wantLeft: 2},
		{name: "answered yes", interactive: true, stdin: "y\n", args: []string{"purge", "--all"}, wantLeft: 0},
		{name: "--yes without a terminal", args: []string{"purge", "--yes", "1"}, wantLeft: 1},
		{name: "one worker", args: []string{"purge", "--all", "--worker", "retry", "-y"}, wantLeft: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDLQEnv(t)
			_, _, err := e.run(t, tt.interactive, tt.stdin, tt.args...)
			switch {
			case (err != nil) != tt.fails:
				t.Fatalf("err = %v, want failure %v", err, tt.fails)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if left := e.remaining(t); len(left) != tt.wantLeft {
				t.Errorf("%d dead letters left, want %d", len(left), tt.wantLeft)
			}
		})
	}
}

// Only the connection comes from the environment: YES or ALL in the
// environment must not turn into --yes or --all.
func TestDLQEnvironment(t *testing.T) {
	e := newDLQEnv(t)
	t.Setenv("NATS_URL", e.url)
	t.Setenv("YES", "true")
	t.Setenv("ALL", "true")
	t.Setenv("JSON", "true")
	run := func(args ...string) (string, error) {
		cmd := newDLQCommand(func(any) bool { return false })
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(io.Discard)
		cmd.SetIn(strings.NewReader(""))
		cmd.SetArgs(args)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		err := cmd.ExecuteContext(dlqCtx(t))
		return out.String(), err
	}
	out, err := run("list")
	if err != nil {
		t.Fatalf("NATS_URL not taken from the environment: %v", err)
	}
	if strings.HasPrefix(strings.TrimSpace(out), "[") {
		t.Error("JSON in the environment turned on --json")
	}
	if _, err := run("purge"); err == nil {
		t.Error("ALL in the environment selected every dead letter")
	}
	if _, err := run("purge", "1"); err == nil {
		t.Error("YES in the environment confirmed a purge")
	}
	if left := e.remaining(t); len(left) != 2 {
		t.Errorf("%d dead letters left, want 2", len(left))
	}
}
