package main

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/events"
)

// devOptionsFrom parses args as dev mode's flags.
func devOptionsFrom(t *testing.T, args ...string) devOptions {
	t.Helper()
	var o devOptions
	fs := pflag.NewFlagSet("dev", pflag.ContinueOnError)
	o.addFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestDevShards: dev mode provisions the event streams split as
// --events-shards says, over ingest's partitions, and a data dir kept
// from a run with more shards stops the next run instead of leaving part
// of the events unread.
func TestDevShards(t *testing.T) {
	if _, err := devOptionsFrom(t, "--events-shards", "3", "--partitions", "12").sharding(); err == nil {
		t.Error("3 shards with PARTITIONS=12 and WORKER_PARTITIONS=16 accepted")
	}
	if _, err := devOptionsFrom(t, "--events-shards", "20").sharding(); err == nil {
		t.Error("20 shards over 16 partitions accepted")
	}

	dataDir := t.TempDir()
	start := func(args ...string) (*devMode, error) {
		o := devOptionsFrom(t, append([]string{"--nats-port", "-1", "--data-dir", dataDir}, args...)...)
		d := &devMode{o: o, log: slog.New(slog.DiscardHandler)}
		t.Cleanup(func() { d.closers.close() })
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return d, d.startNATS(ctx)
	}
	d, err := start("--events-shards", "3")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := events.CheckShards(ctx, d.js, events.Sharding{Shards: 3, Partitions: events.DefaultPartitions}); err != nil {
		t.Fatalf("dev with --events-shards 3: %v", err)
	}
	d.closers.close()
	d.closers = closers{}

	// Provisioning one shard cannot take back the others' subjects; without
	// it the check finds the mismatch.
	d, err = start()
	if err == nil {
		t.Fatal("dev with 1 shard on a data dir of 3 started")
	}
	d.closers.close()
	d.closers = closers{}
	if _, err := start("--provision=false"); !errors.Is(err, events.ErrShardMismatch) {
		t.Fatalf("dev with 1 shard on a data dir of 3, not provisioning = %v, want events.ErrShardMismatch", err)
	}
}
