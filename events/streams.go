package events

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	// EventsMaxBytes bounds each events stream (each shard); -1 for no
	// limit. When full, new events are refused (DiscardNew) rather than old
	// ones dropped.
	EventsMaxBytes int64
	// EventsCompression compresses stored events (S2) in the events
	// streams: less disk for a little CPU. Webhook bodies are JSON and
	// compress well.
	EventsCompression bool
	// Sharding splits the events over streams (see Sharding). Shards 0
	// leaves the event streams alone: Provision then declares only what a
	// process that neither stores nor reads events needs (the retry
	// worker), so it cannot reshape the events with a count it does not
	// know.
	Sharding Sharding
	// DuplicateWindow is how long a dedup key suppresses a second copy. It
	// need only cover ingest's publish retries and a quick redelivery by
	// Webex: the workers' markers (ProcessedTTL) keep a copy stored later
	// from being handled twice.
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

// DefaultDuplicateWindow covers ingest's publish retries (seconds), the
// spool forwarding a short outage, and a quick redelivery by Webex. A copy
// stored after it is still handled once: the markers live far longer.
const DefaultDuplicateWindow = 2 * time.Minute

// DefaultProcessedTTL is MAX_EVENT_AGE's default (24h) plus two hours,
// more than the redelivery horizon of the default worker settings.
const DefaultProcessedTTL = 26 * time.Hour

// DefaultStreamOptions returns the defaults: one replica, file
// storage, one events stream keeping events 7 days, uncompressed, a
// 2-minute duplicate window, dead letters kept 30 days, markers kept 26
// hours.
func DefaultStreamOptions() StreamOptions {
	return StreamOptions{
		Replicas:        1,
		Storage:         jetstream.FileStorage,
		EventsMaxAge:    7 * 24 * time.Hour,
		EventsMaxBytes:  -1,
		Sharding:        DefaultSharding(),
		DuplicateWindow: DefaultDuplicateWindow,
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
	if o.Sharding.Shards == 0 {
		return nil
	}
	return o.Sharding.Validate()
}

// EventsStreamConfig declares WEBEX_EVENTS, shard 0 of the events (all of
// them unless o.Sharding has more shards).
func EventsStreamConfig(o StreamOptions) jetstream.StreamConfig { return ShardStreamConfig(o, 0) }

// ShardStreamConfig declares the stream of events shard k: limits
// retention so events stay for replay, DiscardNew so a full stream refuses
// (and ingest answers 503) instead of silently dropping the oldest
// unhandled events.
func ShardStreamConfig(o StreamOptions, k int) jetstream.StreamConfig {
	sh := o.Sharding
	if sh.Shards < 1 {
		sh = DefaultSharding()
	}
	desc := "Webex webhook deliveries accepted by ingest, and replayed copies"
	if sh.Shards > 1 {
		desc = fmt.Sprintf("%s: shard %d of %d (partitions %v)", desc, k, sh.Shards, sh.ShardPartitions(k))
	}
	compression := jetstream.NoCompression
	if o.EventsCompression {
		compression = jetstream.S2Compression
	}
	return jetstream.StreamConfig{
		Name:        ShardStream(k),
		Description: desc,
		Subjects:    sh.ShardSubjects(k),
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardNew,
		MaxAge:      o.EventsMaxAge,
		MaxBytes:    o.EventsMaxBytes,
		Storage:     o.Storage,
		Replicas:    o.Replicas,
		Duplicates:  o.DuplicateWindow,
		Compression: compression,
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

// narrowShards is the first step of a change in the shard count that moves
// partitions between existing shards (Provision takes it only when a
// plain declaration meets an overlap): every existing shard stream gives
// up the subjects it will not keep, so that the second step (each shard
// taking its whole new set, new shards created) finds them free. JetStream refuses two streams capturing one
// subject, so a partition can only move from one shard to another in
// these two steps; between them its events are refused (ingest answers
// 503, or spools) for the moment the updates take. A stream already right
// is not touched.
func narrowShards(ctx context.Context, js jetstream.JetStream, o StreamOptions) error {
	for k := 0; k < o.Sharding.Shards; k++ {
		st, err := js.Stream(ctx, ShardStream(k))
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("provision stream %s: %w", ShardStream(k), err)
		}
		cur := st.CachedInfo().Config
		target := o.Sharding.ShardSubjects(k)
		keep := make([]string, 0, len(target))
		for _, subj := range cur.Subjects {
			if slices.Contains(target, subj) {
				keep = append(keep, subj)
			}
		}
		if len(keep) == len(cur.Subjects) || len(keep) == 0 {
			continue // gives nothing up, or shares nothing (left to the second step)
		}
		cfg := ShardStreamConfig(o, k)
		cfg.Subjects = keep
		if _, err := js.UpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("provision stream %s: narrow it to the subjects it keeps: %w", cfg.Name, err)
		}
	}
	return nil
}

// declareStreams creates or updates every stream of o, shard 0 first (a
// rise from one shard narrows WEBEX_EVENTS before the new shards take what
// it gave up).
func declareStreams(ctx context.Context, js jetstream.JetStream, o StreamOptions) error {
	streams := make([]jetstream.StreamConfig, 0, max(o.Sharding.Shards, 0)+2)
	for k := 0; k < o.Sharding.Shards; k++ {
		streams = append(streams, ShardStreamConfig(o, k))
	}
	streams = append(streams, CallsStreamConfig(o), DLQStreamConfig(o))
	for _, cfg := range streams {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("provision stream %s: %w", cfg.Name, err)
		}
	}
	return nil
}

// errCodeSubjectOverlap is JetStream's error code for a stream whose
// subjects overlap another stream's.
const errCodeSubjectOverlap jetstream.ErrorCode = 10065

func isSubjectOverlap(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeSubjectOverlap
}

// Provision creates every stream and bucket, or updates them to match o
// (the event streams only when o.Sharding.Shards is set). It
// is idempotent and safe to run from many processes at once. Settings that
// JetStream cannot change in place (storage type, retention) are reported as
// an error naming the stream.
func Provision(ctx context.Context, js jetstream.JetStream, o StreamOptions) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if err := declareStreams(ctx, js, o); err != nil {
		if !isSubjectOverlap(err) || o.Sharding.Shards == 0 {
			return err
		}
		// A change in the shard count that moves a partition between
		// existing shards: free what each gives up, then declare again.
		if nerr := narrowShards(ctx, js, o); nerr != nil {
			return nerr
		}
		if err := declareStreams(ctx, js, o); err != nil {
			if isSubjectOverlap(err) {
				if _, serr := js.Stream(ctx, ShardStream(o.Sharding.Shards)); serr == nil {
					return fmt.Errorf("%w; lowering EVENTS_SHARDS needs the extra shard streams (%s and up) deleted once their events are handled",
						err, ShardStream(o.Sharding.Shards))
				}
			}
			return err
		}
	}
	for _, cfg := range []jetstream.KeyValueConfig{ProcessedBucketConfig(o), RateLimitBucketConfig(o), WebhooksBucketConfig(o), ReplayRunsBucketConfig(o)} {
		if _, err := js.CreateOrUpdateKeyValue(ctx, cfg); err != nil {
			return fmt.Errorf("provision bucket %s: %w", cfg.Bucket, err)
		}
	}
	return nil
}
