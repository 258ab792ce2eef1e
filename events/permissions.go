package events

// The NATS users of a deployment. Each binary connects as its own user,
// which may use only the subjects its features need; the NATS server
// configuration (deploy/nats/accounts.conf) and the Helm values are
// generated from Roles, so they cannot drift from the subjects declared in
// this package.
const (
	// AdminUser provisions streams and buckets and runs the operator
	// commands (status, replay, backfill, dlq): it may do anything in the
	// account.
	AdminUser = "admin"
	// IngestUser stores events, and runs the webhook watchdog when asked.
	IngestUser = "ingest"
	// WebhooksUser runs `webexpipe webhooks` (ensure, watch) on its own.
	WebhooksUser = "webhooks"
)

// Permissions lists the subjects a NATS user may publish to and subscribe
// to. Anything else is denied.
type Permissions struct {
	Publish   []string
	Subscribe []string
}

// Role is one NATS user of a deployment and what it may do.
type Role struct {
	// User is the NATS user name; the binaries take it as NATS_USER.
	User string
	// Doc says which binary connects as the user, for the generated files.
	Doc string
	// Unrestricted users have no permissions block: everything in the
	// account is allowed (the admin user).
	Unrestricted bool
	Permissions
}

// InboxPrefix is the reply-subject prefix a user's clients must set
// (NATS_INBOX_PREFIX): each user may read only the replies sent to its own
// prefix, so no user sees the answers to another user's requests.
func InboxPrefix(user string) string { return "_INBOX_" + user }

// Roles returns every user of a deployment whose events are split as s
// says and that serves bots (none given: the default bot alone): each
// event stream is named, each worker's consumer of each bot
// (BotConsumerName) on every shard's stream, and each ordered worker's
// partition consumers of each bot (<worker>-p0 to
// <worker>-p<Partitions-1> for the default bot) on the stream of their
// partition's shard only. A zero field of s takes its default
// (DefaultSharding).
func Roles(s Sharding, bots ...string) []Role {
	if s.Shards < 1 {
		s.Shards = DefaultShards
	}
	if s.Partitions < 1 {
		s.Partitions = DefaultPartitions
	}
	if len(bots) == 0 {
		bots = []string{DefaultBot}
	}
	return []Role{
		{User: AdminUser, Doc: "webexpipe provision and the operator commands (status, replay, backfill, dlq)", Unrestricted: true},
		{User: IngestUser, Doc: "ingest (stores events, answers /readyz, may run the webhook watchdog)", Permissions: ingestPermissions(s)},
		{User: "echo", Doc: "echo-worker", Permissions: workerPermissions("echo", s, bots)},
		{User: "cards", Doc: "cards-worker", Permissions: workerPermissions("cards", s, bots)},
		{User: "memberships", Doc: "membership-worker", Permissions: workerPermissions("memberships", s, bots)},
		{User: RetryWorker, Doc: "retry-worker (re-runs the stored calls of every worker)", Permissions: retryPermissions(bots)},
		{User: WebhooksUser, Doc: "webexpipe webhooks ensure and watch (with its recovery of lost messages)", Permissions: webhooksPermissions(s, bots)},
	}
}

// shardsInfo is the stream info of every events shard, and of the shard
// past the last, which CheckShards asks for to tell that no more shards
// exist.
func shardsInfo(s Sharding) []string {
	out := make([]string, 0, s.Shards+1)
	for _, stream := range s.Streams() {
		out = append(out, jsAPI("STREAM.INFO."+stream))
	}
	return append(out, jsAPI("STREAM.INFO."+ShardStream(s.Shards)))
}

// jsAPI is a JetStream API subject.
func jsAPI(s string) string { return "$JS.API." + s }

// subscribeOwnInbox is the subscribe side of every restricted user: replies
// to its own requests and nothing else.
func subscribeOwnInbox(user string) []string { return []string{InboxPrefix(user) + ".>"} }

// consumerUse is what a client of one durable pull consumer sends: look it
// up, create or update it (with one filter the filter is part of the
// subject), pull, and acknowledge (ack, nak, term, in progress).
func consumerUse(stream, consumer string) []string {
	return []string{
		jsAPI("CONSUMER.INFO." + stream + "." + consumer),
		jsAPI("CONSUMER.CREATE." + stream + "." + consumer),
		jsAPI("CONSUMER.CREATE." + stream + "." + consumer + ".>"),
		jsAPI("CONSUMER.MSG.NEXT." + stream + "." + consumer),
		"$JS.ACK." + stream + "." + consumer + ".>",
	}
}

// kvRead opens bucket and reads the keys matching keys (a subject pattern
// relative to the bucket): direct get when the bucket allows it, the
// stream's message get otherwise.
func kvRead(bucket, keys string) []string {
	return []string{
		jsAPI("STREAM.INFO.KV_" + bucket),
		jsAPI("DIRECT.GET.KV_" + bucket + ".$KV." + bucket + "." + keys),
		jsAPI("STREAM.MSG.GET.KV_" + bucket),
	}
}

// kvWrite puts, creates, updates and deletes the keys matching keys.
func kvWrite(bucket, keys string) []string {
	return []string{"$KV." + bucket + "." + keys}
}

// kvWatch watches a bucket: an ordered consumer of its own, created,
// flow-controlled and deleted by the client.
func kvWatch(bucket string) []string {
	return []string{
		jsAPI("CONSUMER.CREATE.KV_" + bucket + ".>"),
		jsAPI("CONSUMER.DELETE.KV_" + bucket + ".>"),
		"$JS.FC.KV_" + bucket + ".>",
	}
}

// pauseUse is the shared rate-limit pause: every worker reads, writes and
// watches the pause of the bot token it uses.
func pauseUse() []string {
	out := kvRead(RateLimitBucket, ">")
	out = append(out, kvWrite(RateLimitBucket, ">")...)
	return append(out, kvWatch(RateLimitBucket)...)
}

// markersOf are the idempotency markers of one worker type (MarkerKey
// prefixes them with the worker's name).
func markersOf(worker string) []string {
	return append(kvRead(ProcessedBucket, worker+".>"), kvWrite(ProcessedBucket, worker+".>")...)
}

// webhooksState is the watchdog's lease and its records of disabled
// webhooks.
func webhooksState() []string {
	return append(kvRead(WebhooksBucket, ">"), kvWrite(WebhooksBucket, ">")...)
}

// callsOf is the outbox of one worker: it stores its failed calls under
// webex.calls.<worker>.<id> and looks up whether a call still waits there.
// The look-up reads WEBEX_CALLS, which has no direct get.
func callsOf(worker string) []string {
	return []string{
		CallsSubject(worker) + ".>",
		jsAPI("STREAM.INFO." + CallsStream),
		jsAPI("STREAM.MSG.GET." + CallsStream),
	}
}

// ingestPermissions stores events on any partition (each lands in its
// shard's stream) and looks at every shard's stream: for readiness, and
// for CheckShards at start.
func ingestPermissions(s Sharding) Permissions {
	pub := []string{
		eventsPrefix + ">",
		jsAPI("INFO"),
	}
	pub = append(pub, shardsInfo(s)...)
	return Permissions{Publish: append(pub, webhooksState()...), Subscribe: subscribeOwnInbox(IngestUser)}
}

// backlogRead is what a worker's /metrics reads of its backlog: the stored
// time of the first event its consumer has not handled in each shard's
// stream (a message get by sequence and subject, which NATS cannot narrow
// to the worker's subjects: the request names them in its body) and how
// many dead letters it has.
func backlogRead(s Sharding) []string {
	out := make([]string, 0, s.Shards+1)
	for _, stream := range s.Streams() {
		out = append(out, jsAPI("STREAM.MSG.GET."+stream))
	}
	return append(out, jsAPI("STREAM.INFO."+DLQStream))
}

// workerPermissions is a worker type on the events streams: for each bot,
// its durable consumer on each shard's stream (one name, a consumer per
// stream), or in ordered mode one consumer per partition on the stream of the
// partition's shard (which it also unpins when it stops); requeued copies
// on its replay subjects; its dead letters; its outbox; its markers; the
// shared pause; reading its backlog.
func workerPermissions(worker string, s Sharding, bots []string) Permissions {
	pub := []string{jsAPI("INFO")}
	pub = append(pub, shardsInfo(s)...)
	pub = append(pub, ReplayFilter(worker), DLQSubject(worker))
	pub = append(pub, backlogRead(s)...)
	for _, bot := range bots {
		for _, stream := range s.Streams() {
			pub = append(pub, consumerUse(stream, BotConsumerName(worker, bot))...)
		}
		for p := range s.Partitions {
			name, stream := BotPartitionConsumerName(worker, bot, p), s.StreamOf(p)
			pub = append(pub, consumerUse(stream, name)...)
			pub = append(pub, jsAPI("CONSUMER.UNPIN."+stream+"."+name))
		}
	}
	pub = append(pub, callsOf(worker)...)
	pub = append(pub, markersOf(worker)...)
	pub = append(pub, pauseUse()...)
	return Permissions{Publish: pub, Subscribe: subscribeOwnInbox(worker)}
}

// retryPermissions is the retry worker: its consumer of each bot's calls
// on WEBEX_CALLS, storing the updated record of any worker's call, its
// dead letters, its markers, the shared pause and reading its backlog (the
// message get on WEBEX_CALLS it has anyway, and the DLQ's info).
func retryPermissions(bots []string) Permissions {
	pub := []string{
		jsAPI("INFO"),
		jsAPI("STREAM.INFO." + CallsStream),
		jsAPI("STREAM.MSG.GET." + CallsStream),
		jsAPI("STREAM.INFO." + DLQStream),
		CallsFilter,
		DLQSubject(RetryWorker),
	}
	for _, bot := range bots {
		pub = append(pub, consumerUse(CallsStream, BotConsumerName(RetryWorker, bot))...)
	}
	pub = append(pub, markersOf(RetryWorker)...)
	pub = append(pub, pauseUse()...)
	return Permissions{Publish: pub, Subscribe: subscribeOwnInbox(RetryWorker)}
}

// recoveryUse is the watchdog's recovery of lost messages: reading which
// message events the streams hold through one consumer on each shard's
// stream (RecoveryConsumer, filtered to one bot's messages/created,
// replaced and removed by the client), and storing the missing ones as
// ingest would, on each bot's subjects. Its state is in the webhooks
// bucket. It may also check the shards (CheckShards).
func recoveryUse(s Sharding, bots []string) []string {
	filters := make([]string, len(bots))
	for i, bot := range bots {
		filters[i] = BotEventFilter(bot, "messages", "created")
	}
	var out []string
	for _, stream := range s.Streams() {
		for _, filter := range filters {
			out = append(out, jsAPI("CONSUMER.CREATE."+stream+"."+RecoveryConsumer+"."+filter))
		}
		out = append(out,
			jsAPI("CONSUMER.INFO."+stream+"."+RecoveryConsumer),
			jsAPI("CONSUMER.MSG.NEXT."+stream+"."+RecoveryConsumer),
			jsAPI("CONSUMER.DELETE."+stream+"."+RecoveryConsumer),
		)
	}
	out = append(out, filters...)
	for _, stream := range s.Streams() {
		out = append(out, jsAPI("STREAM.INFO."+stream))
	}
	return append(out, jsAPI("STREAM.INFO."+ShardStream(s.Shards)))
}

func webhooksPermissions(s Sharding, bots []string) Permissions {
	pub := append([]string{jsAPI("INFO")}, webhooksState()...)
	pub = append(pub, recoveryUse(s, bots)...)
	return Permissions{Publish: pub, Subscribe: subscribeOwnInbox(WebhooksUser)}
}
