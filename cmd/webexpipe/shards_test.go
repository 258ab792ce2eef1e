package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/workers/admin/shardtest"
)

// TestToolsAcrossShards runs the operator commands against a deployment
// whose events are split over three streams (16 partitions), an event on
// every partition and the echo worker's consumer on every shard: each
// command finds the events of every shard, and a command told another
// shard count refuses to run.
func TestToolsAcrossShards(t *testing.T) {
	js := shardtest.Start(t)
	sh := shardtest.Sharding()
	stored := shardtest.StoreEach(t, js)
	perStream := map[string]int{}
	for _, s := range stored {
		perStream[s.Stream]++
	}
	shardtest.WorkerConsumers(t, js, "echo")
	if _, err := js.PublishMsg(shardtest.Ctx(t), shardtest.DeadLetter(stored[2])); err != nil {
		t.Fatal(err)
	}
	url := js.Conn().ConnectedUrl()
	run := func(t *testing.T, args ...string) (string, error) {
		t.Helper()
		out, _, err := runCLI(t, append(args, "--nats-url", url)...)
		return out, err
	}

	t.Run("events list", func(t *testing.T) {
		out, err := run(t, "events", "list", "--events-shards", "3", "--json")
		if err != nil {
			t.Fatal(err)
		}
		var recs []struct{ Stream string }
		if err := json.Unmarshal([]byte(out), &recs); err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, r := range recs {
			got[r.Stream]++
		}
		for stream, n := range perStream {
			if got[stream] != n {
				t.Errorf("%s: %d listed, want %d", stream, got[stream], n)
			}
		}
	})
	t.Run("events show", func(t *testing.T) {
		out, err := run(t, "events", "show", "WEBEX_EVENTS_2:1", "--events-shards", "3")
		if err != nil || !strings.Contains(out, "event WEBEX_EVENTS_2:1, stored") || !strings.Contains(out, "webex.events.messages.created.2\n") {
			t.Errorf("show WEBEX_EVENTS_2:1: %v\n%s", err, out)
		}
		if _, err := run(t, "events", "show", "1", "--events-shards", "3"); err == nil {
			t.Error("a bare sequence with three shards was taken")
		}
	})
	t.Run("replay", func(t *testing.T) {
		out, err := run(t, "replay", "--worker", "echo", "--since", "1h", "--dry-run", "--events-shards", "3", "--json")
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Summary struct{ Selected int }
			Items   []struct {
				Stream     string
				CopyStream string `json:"copy_stream"`
			}
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil || r.Summary.Selected != sh.Partitions {
			t.Fatalf("%v: %s", err, out)
		}
		for _, it := range r.Items {
			if it.Stream != it.CopyStream {
				t.Errorf("an event of %s would be copied to %s", it.Stream, it.CopyStream)
			}
		}
	})
	t.Run("status", func(t *testing.T) {
		out, err := run(t, "status", "--events-shards", "3")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"WEBEX_EVENTS_1", "WEBEX_EVENTS_2", "(events, 3 of 3 shards)  16", "WORKER TYPE"} {
			if !strings.Contains(out, want) {
				t.Errorf("status lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("dlq", func(t *testing.T) {
		out, err := run(t, "dlq", "list", "--json")
		if err != nil || !strings.Contains(out, `"orig_stream": "WEBEX_EVENTS_2"`) {
			t.Errorf("dlq list: %v\n%s", err, out)
		}
		// The shard count comes from the environment: with the default
		// of one the redrive would be refused.
		t.Setenv("EVENTS_SHARDS", "3")
		out, err = run(t, "dlq", "redrive", "--all", "--keep", "--json")
		if err != nil || !strings.Contains(out, `"stream": "WEBEX_EVENTS_2"`) {
			t.Errorf("dlq redrive: %v\n%s", err, out)
		}
	})
	t.Run("another count is refused", func(t *testing.T) {
		for _, args := range [][]string{
			{"events", "list"},
			{"events", "list", "--events-shards", "2"},
			{"replay", "--worker", "echo", "--since", "1h", "--dry-run", "--events-shards", "4"},
			{"dlq", "redrive", "--all", "--events-shards", "2"},
		} {
			if _, err := run(t, args...); err == nil {
				t.Errorf("%v ran against three shards", args)
			}
		}
	})
}
