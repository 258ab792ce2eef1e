package events_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

func TestPartitionConsumerConfig(t *testing.T) {
	o := events.ConsumerOptions{Worker: "echo", Events: []events.ResourceEvent{{Resource: "messages", Event: "created"}, {Resource: "attachmentActions", Event: "*"}}, MaxAckPending: 63}
	cfg, err := events.PartitionConsumerConfig(o, 7, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"webex.events.messages.created.7", "webex.events.attachmentActions.*.7", "webex.replay.echo.*.*.7"}
	if !slices.Equal(cfg.FilterSubjects, want) {
		t.Errorf("filters %v, want %v", cfg.FilterSubjects, want)
	}
	if cfg.Durable != "echo-p7" || cfg.MaxAckPending != 63 || cfg.PriorityPolicy != jetstream.PriorityPolicyPinned ||
		!slices.Equal(cfg.PriorityGroups, []string{events.OwnerGroup}) || cfg.PinnedTTL != 5*time.Second {
		t.Errorf("config %+v: want echo-p7, one pending, pinned in %q for 5s", cfg, events.OwnerGroup)
	}
	for _, sub := range want {
		if _, _, p, ok := events.SubjectTokens(strings.ReplaceAll(sub, "*", "x")); !ok || p != 7 {
			t.Errorf("filter %s does not address partition 7", sub)
		}
	}
	for name, tc := range map[string]struct {
		partition int
		ttl       time.Duration
	}{"negative partition": {-1, time.Second}, "no pin TTL": {1, 0}} {
		t.Run(name, func(t *testing.T) {
			if _, err := events.PartitionConsumerConfig(o, tc.partition, tc.ttl); err == nil {
				t.Error("accepted")
			}
		})
	}
}
