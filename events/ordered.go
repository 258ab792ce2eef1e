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

// PartitionReplayFilter matches the replayed copies of the default bot's
// events addressed to worker on one partition.
func PartitionReplayFilter(worker string, partition int) string {
	return BotPartitionReplayFilter(worker, DefaultBot, partition)
}

// BotPartitionReplayFilter matches the replayed copies of bot's events
// addressed to worker on one partition.
func BotPartitionReplayFilter(worker, bot string, partition int) string {
	return replayPrefix + worker + "." + botToken(bot) + "*.*." + strconv.Itoa(partition)
}

// BotPartitionConsumerName names the consumer of one partition of an
// ordered worker type for bot: <worker>-p<N> for the default bot,
// <worker>@<bot>-p<N> for another.
func BotPartitionConsumerName(worker, bot string, partition int) string {
	return PartitionConsumerName(BotConsumerName(worker, bot), partition)
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
		filters = append(filters, BotEventSubject(o.Bot, re.Resource, re.Event, partition))
	}
	filters = append(filters, BotPartitionReplayFilter(o.Worker, o.Bot, partition))
	cfg.Durable = BotPartitionConsumerName(o.Worker, o.Bot, partition)
	cfg.Description = fmt.Sprintf("%s, partition %d, in stream order", cfg.Description, partition)
	cfg.FilterSubjects = filters
	cfg.MaxAckPending = max(o.MaxAckPending, 1)
	cfg.PriorityPolicy = jetstream.PriorityPolicyPinned
	cfg.PriorityGroups = []string{OwnerGroup}
	cfg.PinnedTTL = pinTTL
	return cfg, nil
}
