package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
)

// TestProvisionShards: provision creates the streams of EVENTS_SHARDS
// over PARTITIONS, raises the count in place (to a multiple of the one
// before, so that each shard hands partitions over to the new ones), and
// refuses a count the partitions cannot fill.
func TestProvisionShards(t *testing.T) {
	srv := localnats.StartTest(t)
	_, js := srv.ConnectTest(t)
	provision := func(shards string) (string, error) {
		out, _, err := runCLI(t, "provision", "--nats-url", srv.ClientURL(), "--stream-storage", "memory",
			"--events-shards", shards, "--partitions", "8")
		return out, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	for _, n := range []int{1, 3, 6} {
		out, err := provision(strconv.Itoa(n))
		if err != nil {
			t.Fatalf("provision %d shards: %v", n, err)
		}
		if want := fmt.Sprintf("%d events shards over 8 partitions", n); !strings.Contains(out, want) {
			t.Errorf("output %q does not say %q", out, want)
		}
		if err := events.CheckShards(ctx, js, events.Sharding{Shards: n, Partitions: 8}); err != nil {
			t.Errorf("after provisioning %d shards: %v", n, err)
		}
	}

	if _, err := provision("9"); err == nil {
		t.Error("9 shards over 8 partitions provisioned, want refused")
	}
	if _, err := js.Stream(ctx, events.ShardStream(6)); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("a refused count made stream %s: %v", events.ShardStream(6), err)
	}
}
