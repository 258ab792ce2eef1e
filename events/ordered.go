package events

import (
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// OwnerGroup is the priority group replicas of an ordered worker type pull
// in. Its consumers use the pinned-client policy: the server hands a
// partition's messages to one pull client at a time.
const OwnerGroup = "owner"

// PartitionConsumerName names the durable consumer of one partition of an
// ordered worker type: <worker>-p<N>.
func PartitionConsumerName(worker string, partition int) string {
	return worker + "-p" + strconv.Itoa(partition)
}

// PartitionReplayFilter matches the replayed copies addressed to worker on
// one partition.
func PartitionReplayFilter(worker string, partition int) string {
	return replayPrefix + worker + ".*.*." + strconv.Itoa(partition)
}

// PartitionConsumerConfig declares the durable pull consumer of one
// partition of an ordered worker type. It takes the worker's events stored
// on that partition, and the replays addressed to the worker there, up to
// o.MaxAckPending at a time (the partition's window; 1 hands out the next
// event only once the previous one is settled). The pinned-client priority
// policy keeps the partition with one pull client until that client sends
// no pull request for pinTTL; the server then pins another. That client
// orders the events of each room itself. The deliver policy is left to the
// caller, as in ConsumerConfig.
func PartitionConsumerConfig(o ConsumerOptions, partition int, pinTTL time.Duration) (jetstream.ConsumerConfig, error) {
	cfg, err := ConsumerConfig(o)
	if err != nil {
		return cfg, err
	}
	if partition < 0 {
		return jetstream.ConsumerConfig{}, fmt.Errorf("worker %s: partition %d: want >= 0", o.Worker, partition)
	}
	if pinTTL <= 0 {
		return jetstream.ConsumerConfig{}, fmt.Errorf("worker %s: pin TTL %s: want > 0", o.Worker, pinTTL)
	}
	filters := make([]string, 0, len(o.Events)+1)
	for _, re := range o.Events {
		filters = append(filters, eventsPrefix+re.Resource+"."+re.Event+"."+strconv.Itoa(partition))
	}
	filters = append(filters, PartitionReplayFilter(o.Worker, partition))
	cfg.Durable = PartitionConsumerName(o.Worker, partition)
	cfg.Description = fmt.Sprintf("webexpipe worker %s, partition %d, in stream order", o.Worker, partition)
	cfg.FilterSubjects = filters
	cfg.MaxAckPending = max(o.MaxAckPending, 1)
	cfg.PriorityPolicy = jetstream.PriorityPolicyPinned
	cfg.PriorityGroups = []string{OwnerGroup}
	cfg.PinnedTTL = pinTTL
	return cfg, nil
}
