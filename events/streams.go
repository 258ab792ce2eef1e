package events

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream and bucket names.
const (
	// EventsStream stores every webhook ingest accepted, and replayed copies.
	EventsStream = "WEBEX_EVENTS"
	// CallsStream is the work queue of Webex API calls waiting to be retried.
	CallsStream = "WEBEX_CALLS"
	// DLQStream keeps what a worker gave up on, for inspection and redrive.
	DLQStream = "WEBEX_DLQ"
	// ProcessedBucket holds idempotency markers, one per (worker, dedup key).
	ProcessedBucket = "webex_processed"
	// RateLimitBucket holds the pause-until time shared by all workers of a bot token.
	RateLimitBucket = "webex_ratelimit"
	// WebhooksBucket holds what managing the Webex webhooks needs to share
	// between processes: the lock of `webhooks ensure` and, per webhook,
	// when it was first seen disabled (Webex does not say when it disabled
	// one).
	WebhooksBucket = "webex_webhooks"
	// ReplayRunsBucket holds, per replay run, the window it was started
	// with, so that resuming the run reads the same events.
	ReplayRunsBucket = "webex_replay_runs"
)

// StreamOptions are the deployment choices applied to every stream and
// bucket. The zero value is not valid; start from DefaultStreamOptions.
type StreamOptions struct {
	// Replicas per stream and bucket: 1 for a single server, 3 in a cluster.
	Replicas int
	// Storage is file storage in production; memory is for tests only.
	Storage jetstream.StorageType
	// EventsMaxAge is how long events stay replayable.
	EventsMaxAge time.Duration
	// EventsMaxBytes bounds the events stream; -1 for no limit. When full,
	// new events are refused (DiscardNew) rather than old ones dropped.
	EventsMaxBytes int64
	// DuplicateWindow is how long a dedup key suppresses a second copy.
	DuplicateWindow time.Duration
	// DLQMaxAge is how long dead letters are kept.
	DLQMaxAge time.Duration
	// ProcessedTTL is how long an idempotency marker lives. It must outlast
	// the last redelivery of an event (AckWait x MaxDeliver plus the
	// backoff between them, about an hour with the defaults) and ingest's
	// MAX_EVENT_AGE (24h), the age up to which a captured webhook sent
	// again is stored again. A replay of an older event is told apart by
	// the worker's ack floor instead (see the replay package).
	ProcessedTTL time.Duration
}

// DefaultProcessedTTL is MAX_EVENT_AGE's default (24h) plus two hours,
// more than the redelivery horizon of the default worker settings.
const DefaultProcessedTTL = 26 * time.Hour

// DefaultStreamOptions returns the defaults: one replica, file
// storage, events kept 7 days, a 10-minute duplicate window, dead letters
// kept 30 days, markers kept 26 hours.
func DefaultStreamOptions() StreamOptions {
	return StreamOptions{
		Replicas:        1,
		Storage:         jetstream.FileStorage,
		EventsMaxAge:    7 * 24 * time.Hour,
		EventsMaxBytes:  -1,
		DuplicateWindow: 10 * time.Minute,
		DLQMaxAge:       30 * 24 * time.Hour,
		ProcessedTTL:    DefaultProcessedTTL,
	}
}

// Validate reports the first option that cannot work.
func (o StreamOptions) Validate() error {
	switch {
	case o.Replicas < 1 || o.Replicas > 5:
		return fmt.Errorf("stream replicas %d: want 1 to 5", o.Replicas)
	case o.EventsMaxAge <= 0:
		return fmt.Errorf("events max age %s: want > 0", o.EventsMaxAge)
	case o.DuplicateWindow <= 0 || o.DuplicateWindow > o.EventsMaxAge:
		return fmt.Errorf("duplicate window %s: want > 0 and at most the events max age", o.DuplicateWindow)
	case o.DLQMaxAge <= 0:
		return fmt.Errorf("DLQ max age %s: want > 0", o.DLQMaxAge)
	case o.ProcessedTTL <= 0:
		return fmt.Errorf("processed marker TTL %s: want > 0", o.ProcessedTTL)
	}
	return nil
}

// EventsStreamConfig declares WEBEX_EVENTS: limits retention so events stay
// for replay, DiscardNew so a full stream refuses (and ingest answers 503)
// instead of silently dropping the oldest unhandled events.
func EventsStreamConfig(o StreamOptions) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        EventsStream,
		Description: "Webex webhook deliveries accepted by ingest, and replayed copies",
		Subjects:    []string{eventsPrefix + ">", replayPrefix + ">"},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardNew,
		MaxAge:      o.EventsMaxAge,
		MaxBytes:    o.EventsMaxBytes,
		Storage:     o.Storage,
		Replicas:    o.Replicas,
		Duplicates:  o.DuplicateWindow,
		MaxMsgSize:  2 << 20, // a webhook body is at most 1 MiB; headers are small
	}
}

// CallsStreamConfig declares WEBEX_CALLS, a work queue: a call is removed
// once the retry worker acknowledges it. One message is kept per subject,
// and every call has a subject of its own (CallSubject): storing a call's
// updated record removes the previous one atomically, so a retry worker that
// dies between storing the update and acknowledging the old record leaves no
// second copy behind.
func CallsStreamConfig(o StreamOptions) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:              CallsStream,
		Description:       "Webex API calls that failed and wait to be retried",
		Subjects:          []string{callsPrefix + ">"},
		Retention:         jetstream.WorkQueuePolicy,
		Discard:           jetstream.DiscardNew,
		MaxMsgsPerSubject: 1,
		MaxAge:            o.EventsMaxAge,
		Storage:           o.Storage,
		Replicas:          o.Replicas,
		Duplicates:        o.DuplicateWindow,
	}
}

// DLQStreamConfig declares WEBEX_DLQ.
func DLQStreamConfig(o StreamOptions) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        DLQStream,
		Description: "events and calls a worker gave up on",
		Subjects:    []string{dlqPrefix + ">"},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      o.DLQMaxAge,
		Storage:     o.Storage,
		Replicas:    o.Replicas,
		Duplicates:  o.DuplicateWindow,
	}
}

// ProcessedBucketConfig declares webex_processed: a key per handled event,
// expiring after ProcessedTTL.
func ProcessedBucketConfig(o StreamOptions) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      ProcessedBucket,
		Description: "idempotency markers: one key per worker and dedup key",
		History:     1,
		TTL:         o.ProcessedTTL,
		Storage:     o.Storage,
		Replicas:    o.Replicas,
	}
}

// RateLimitBucketConfig declares webex_ratelimit: one key per bot token
// holding the time until which Webex asked to pause.
func RateLimitBucketConfig(o StreamOptions) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      RateLimitBucket,
		Description: "pause-until times shared by all workers of a bot token",
		History:     1,
		TTL:         time.Hour,
		Storage:     o.Storage,
		Replicas:    o.Replicas,
	}
}

// WebhooksBucketTTL is how long a webhook record lives after its last
// write: long enough to remember re-activations for the watchdog's backoff,
// short enough that records of deleted webhooks go away on their own.
const WebhooksBucketTTL = 24 * time.Hour

// WebhooksBucketConfig declares webex_webhooks: a lock key and one record
// per managed webhook that was seen disabled.
func WebhooksBucketConfig(o StreamOptions) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      WebhooksBucket,
		Description: "webhook lifecycle: the ensure lock and when each webhook was first seen disabled",
		History:     1,
		TTL:         WebhooksBucketTTL,
		Storage:     o.Storage,
		Replicas:    o.Replicas,
	}
}

// ReplayRunsBucketConfig declares webex_replay_runs: one key per replay run
// (its id) holding the run's window, kept as long as the events it names.
func ReplayRunsBucketConfig(o StreamOptions) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      ReplayRunsBucket,
		Description: "replay runs: the window and selection each run was started with",
		History:     1,
		TTL:         o.EventsMaxAge,
		Storage:     o.Storage,
		Replicas:    o.Replicas,
	}
}

// Provision creates every stream and bucket, or updates them to match o. It
// is idempotent and safe to run from many processes at once. Settings that
// JetStream cannot change in place (storage type, retention) are reported as
// an error naming the stream.
func Provision(ctx context.Context, js jetstream.JetStream, o StreamOptions) error {
	if err := o.Validate(); err != nil {
		return err
	}
	for _, cfg := range []jetstream.StreamConfig{EventsStreamConfig(o), CallsStreamConfig(o), DLQStreamConfig(o)} {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("provision stream %s: %w", cfg.Name, err)
		}
	}
	for _, cfg := range []jetstream.KeyValueConfig{ProcessedBucketConfig(o), RateLimitBucketConfig(o), WebhooksBucketConfig(o), ReplayRunsBucketConfig(o)} {
		if _, err := js.CreateOrUpdateKeyValue(ctx, cfg); err != nil {
			return fmt.Errorf("provision bucket %s: %w", cfg.Bucket, err)
		}
	}
	return nil
}
