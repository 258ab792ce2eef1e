package localnats_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
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
	t.Logf("node %d stopped; new leader node %d after %s", leader, c.StreamLeader(events.EventsStream), time.Since(stopped).Round(time.Millisecond))
	s, err := js.Stream(ctx, events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := s.GetMsg(ctx, 1); err != nil || string(m.Data) != "before" {
		t.Fatalf("message 1 after the leader change: %v, %v", m, err)
	}
}
