package replay

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// workerFilters are the event subject filters of the worker's durable
// consumer, narrowed to resource and event (either may be empty: all). The
// worker's own replay filter is left out: replaying a replay would only
// make copies of copies. A worker type in ordered mode has no shared
// consumer but one per partition: the filters of its first, with any
// partition, are those of all of them. The consumer is looked up on
// WEBEX_EVENTS, the first shard, which holds partition 0; the filters
// apply to every shard's stream alike.
func workerFilters(ctx context.Context, js jetstream.JetStream, worker string, bots []string, resource, event string) ([]string, error) {
	var out []string
	for _, bot := range bots {
		filters, err := botFilters(ctx, js, worker, bot, resource, event)
		if err != nil {
			return nil, err
		}
		for _, f := range filters {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// botFilters are the event filters of worker's consumer for bot, narrowed
// to resource and event. A bot's filters hold its id as a token; it is
// taken out to narrow them as the default bot's and put back after.
func botFilters(ctx context.Context, js jetstream.JetStream, worker, bot, resource, event string) ([]string, error) {
	name := events.BotConsumerName(worker, bot)
	cons, err := js.Consumer(ctx, events.EventsStream, name)
	partitioned := false
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		cons, err = js.Consumer(ctx, events.EventsStream, events.BotPartitionConsumerName(worker, bot, 0))
		partitioned = true
	}
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		if bot != events.DefaultBot {
			return nil, fmt.Errorf("worker %s has no consumer for bot %s (%s) on %s: %w", worker, bot, name, events.EventsStream, ErrUnknownWorker)
		}
		return nil, fmt.Errorf("worker %s has no consumer on %s: %w", worker, events.EventsStream, ErrUnknownWorker)
	}
	if err != nil {
		return nil, fmt.Errorf("look up the consumer %s: %w", name, err)
	}
	cfg := cons.CachedInfo().Config
	filters := slices.Clone(cfg.FilterSubjects)
	if cfg.FilterSubject != "" {
		filters = append(filters, cfg.FilterSubject)
	}
	if partitioned {
		for i, f := range filters {
			if at := strings.LastIndexByte(f, '.'); at >= 0 {
				filters[i] = f[:at] + ".*"
			}
		}
	}
	eventsPrefix := events.SubjectRoot + ".events."
	botPrefix := eventsPrefix
	if bot != events.DefaultBot {
		botPrefix += bot + "."
	}
	var out []string
	for _, f := range filters {
		rest, ok := strings.CutPrefix(f, botPrefix)
		if !ok {
			continue // the worker's replay filter, or another bot's
		}
		n, ok := narrow(eventsPrefix+rest, resource, event)
		if ok {
			n = botPrefix + strings.TrimPrefix(n, eventsPrefix)
		}
		if ok && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("worker %s consumes %s: %w", worker, strings.Join(filters, ", "), ErrNothingSelected)
	}
	return out, nil
}

// narrow intersects an event filter (webex.events.<resource>.<event>.<p>,
// where each token may be "*", or a trailing ">") with a resource and an
// event. ok is false when the filter is not an event filter or the
// intersection is empty.
func narrow(filter, resource, event string) (string, bool) {
	parts := strings.Split(filter, ".")
	if n := len(parts); n >= 3 && n < 5 && parts[n-1] == ">" {
		parts = append(parts[:n-1], slices.Repeat([]string{"*"}, 6-n)...)
	}
	if len(parts) != 5 || parts[0] != events.SubjectRoot || parts[1] != "events" {
		return "", false
	}
	r, ok := meet(parts[2], resource)
	if !ok {
		return "", false
	}
	e, ok := meet(parts[3], event)
	if !ok {
		return "", false
	}
	return strings.Join([]string{parts[0], parts[1], r, e, parts[4]}, "."), true
}

// meet is the intersection of a filter token with a wanted value ("" for
// any).
func meet(token, want string) (string, bool) {
	switch {
	case want == "" || token == want:
		return token, true
	case token == "*":
		return want, true
	}
	return "", false
}
