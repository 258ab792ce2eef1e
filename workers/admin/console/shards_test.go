package console_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/console"
	"github.com/webexpipe/webexpipe/workers/admin/shardtest"
)

// TestConsoleAcrossShards: the view of three shards lists each shard's
// stream and the echo worker's consumer on each with its oldest waiting
// event, sums the worker's backlog over them, and redrives a dead letter
// onto its partition's shard.
func TestConsoleAcrossShards(t *testing.T) {
	js := shardtest.Start(t)
	sh := shardtest.Sharding()
	stored := shardtest.StoreEach(t, js)
	shardtest.WorkerConsumers(t, js, "echo")
	// partition 1: WEBEX_EVENTS_1
	if _, err := js.PublishMsg(shardtest.Ctx(t), shardtest.DeadLetter(stored[1])); err != nil {
		t.Fatal(err)
	}
	c, err := console.New(console.Config{JS: js, Sharding: sh, Write: true, Now: func() time.Time { return time.Now().Add(time.Minute) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c.Handler())
	t.Cleanup(srv.Close)
	f := &fixture{srv: srv}

	code, body := f.get(t, "/status.json")
	if code != http.StatusOK {
		t.Fatalf("GET /status.json: %d %s", code, body)
	}
	var o struct {
		Streams  []struct{ Name string }
		Backlogs []struct {
			Name, Stream string
			Pending      uint64
			Oldest       time.Time
		}
		Events  struct{ Messages uint64 }
		Workers []struct {
			Worker  string
			Pending uint64
		}
		Entries []struct {
			OrigStream string `json:"orig_stream"`
		}
		Errors []string
	}
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		t.Fatal(err)
	}
	if len(o.Errors) > 0 {
		t.Fatalf("errors: %v", o.Errors)
	}
	backlogOn := map[string]bool{}
	for _, b := range o.Backlogs {
		if b.Name == "echo" && b.Pending > 0 && !b.Oldest.IsZero() {
			backlogOn[b.Stream] = true
		}
	}
	listed := map[string]bool{}
	for _, s := range o.Streams {
		listed[s.Name] = true
	}
	for _, name := range sh.Streams() {
		if !listed[name] || !backlogOn[name] {
			t.Errorf("%s: listed %v, echo's backlog with its oldest event there %v; want both", name, listed[name], backlogOn[name])
		}
	}
	n := uint64(len(stored))
	if o.Events.Messages != n || len(o.Workers) != 1 || o.Workers[0].Pending != n {
		t.Errorf("totals: %d events, workers %+v; want %d each", o.Events.Messages, o.Workers, n)
	}
	if len(o.Entries) != 1 || o.Entries[0].OrigStream != events.ShardStream(1) {
		t.Errorf("dead letters %+v, want one from %s", o.Entries, events.ShardStream(1))
	}

	if _, page := f.get(t, "/"); !strings.Contains(page, `id="events-total"`) || !strings.Contains(page, `data-worker-type="echo"`) {
		t.Errorf("the overview lacks the totals:\n%s", page)
	}
	before := shardtest.Msgs(t, js)
	code, body = f.post(t, "/dlq/1/redrive", url.Values{}, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if code != http.StatusOK {
		t.Fatalf("redrive: %d %s", code, body)
	}
	after := shardtest.Msgs(t, js)
	if after[events.ShardStream(1)] != before[events.ShardStream(1)]+1 {
		t.Errorf("after the redrive %v, before %v; want one more on %s", after, before, events.ShardStream(1))
	}
}
