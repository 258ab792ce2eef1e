package events_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/waitfor"
)

// TestSpreadLeaders: three shards at three replicas on a three-node
// cluster, every shard led by the same node; after SpreadLeaders each
// node leads one shard.
func TestSpreadLeaders(t *testing.T) {
	c := localnats.StartClusterTest(t)
	nc, js := c.ConnectTest(t)
	s := events.Sharding{Shards: 3, Partitions: events.DefaultPartitions}
	o := events.DefaultStreamOptions()
	o.Replicas = 3
	o.Storage = jetstream.MemoryStorage
	o.Sharding = s
	localnats.ProvisionTest(t, js, o)

	// Pile the leaders up on node 0, so that spreading has work to do
	// whatever the cluster elected.
	first := c.Nodes()[0].NATS().Name()
	for _, stream := range s.Streams() {
		waitfor.Until(t, 30*time.Second, func() (bool, string) {
			leader := c.StreamLeader(stream)
			if leader == 0 {
				return true, ""
			}
			if leader > 0 {
				askStepDown(t, nc, stream, first)
			}
			return false, fmt.Sprintf("%s led by node %d, want node 0", stream, leader)
		})
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	moves, err := events.SpreadLeaders(ctx, js, s)
	if err != nil {
		t.Fatalf("SpreadLeaders: %v (moves %v)", err, moves)
	}
	if len(moves) < 2 || moves[0].From != first || moves[1].From != first {
		t.Errorf("moves %v, want two of the three shards moved away from %s first", moves, first)
	}
	waitfor.Until(t, 30*time.Second, func() (bool, string) {
		var leaders []int
		for _, stream := range s.Streams() {
			leaders = append(leaders, c.StreamLeader(stream))
		}
		distinct := slices.Clone(leaders)
		slices.Sort(distinct)
		distinct = slices.Compact(distinct)
		return len(distinct) == 3 && distinct[0] >= 0, fmt.Sprintf("shard leaders on nodes %v, want three different nodes", leaders)
	})

	// Spread already: nothing more to move.
	if moves, err := events.SpreadLeaders(ctx, js, s); err != nil || len(moves) != 0 {
		t.Errorf("SpreadLeaders again: %v %v, want no move", moves, err)
	}
}

// TestSpreadLeadersSingleServer: streams without replicas have nothing to
// spread.
func TestSpreadLeadersSingleServer(t *testing.T) {
	_, js := localnats.StartTest(t).ConnectTest(t)
	s := events.Sharding{Shards: 3, Partitions: events.DefaultPartitions}
	o := events.DefaultStreamOptions()
	o.Storage = jetstream.MemoryStorage
	o.Sharding = s
	localnats.ProvisionTest(t, js, o)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if moves, err := events.SpreadLeaders(ctx, js, s); err != nil || len(moves) != 0 {
		t.Errorf("SpreadLeaders: %v %v, want no move and no error", moves, err)
	}
}

// askStepDown asks stream's leader to hand over to the server named to,
// ignoring the answer: the caller polls for the outcome.
func askStepDown(t *testing.T, nc *nats.Conn, stream, to string) {
	t.Helper()
	body := fmt.Appendf(nil, `{"placement":{"preferred":%q}}`, to)
	if _, err := nc.Request("$JS.API.STREAM.LEADER.STEPDOWN."+stream, body, 2*time.Second); err != nil {
		t.Logf("step down %s: %v", stream, err)
	}
}
