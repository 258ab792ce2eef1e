package localnats_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/waitfor"
)

// TestClusterSurvivesLeaderLoss: the streams are replicated on three
// nodes; when the events stream's leader goes away, another node leads it
// with every acknowledged message.
func TestClusterSurvivesLeaderLoss(t *testing.T) {
	c := localnats.StartClusterTest(t)
	_, js := c.ConnectTest(t)
	o := events.DefaultStreamOptions()
	o.Replicas = 3
	o.Storage = jetstream.MemoryStorage
	localnats.ProvisionTest(t, js, o)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := js.Publish(ctx, events.EventSubject("messages", "created", 0), []byte("before")); err != nil {
		t.Fatal(err)
	}
	leader := c.StreamLeader(events.EventsStream)
	if leader < 0 {
		t.Fatal("no stream leader")
	}
	c.Stop(leader)
	stopped := time.Now()
	for c.StreamLeader(events.EventsStream) < 0 {
		if ctx.Err() != nil {
			t.Fatal("no new stream leader")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("node %d stopped; a leader seen on node %d after %s", leader, c.StreamLeader(events.EventsStream), time.Since(stopped).Round(time.Millisecond))
	// The client reconnects to another node, and the meta and stream
	// leaders may both move: on a loaded machine that takes a while, so
	// each try has its own timeout and the whole a generous deadline.
	var got string
	waitfor.Until(t, 90*time.Second, func() (bool, string) {
		try, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := js.Stream(try, events.EventsStream)
		if err != nil {
			return false, "stream lookup: " + err.Error()
		}
		m, err := s.GetMsg(try, 1)
		if err != nil {
			return false, "message 1: " + err.Error()
		}
		got = string(m.Data)
		return true, ""
	})
	if got != "before" {
		t.Fatalf("message 1 after the leader change is %q, want %q", got, "before")
	}
}
