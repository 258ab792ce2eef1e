// Package backfill recovers messages whose webhooks never reached
// webexpipe: after ingest was down long enough, or deliveries were lost on
// the way, an operator runs a backfill for the window and the workers
// handle the lost messages as if they had arrived.
//
// A backfill lists the recent messages of the rooms the bot is in through
// the REST API (in group rooms only those that mention the bot, as Webex
// requires of bots and as its webhooks would have announced), and for each
// one the stream has never seen it stores a synthetic messages/created
// event, marked as backfilled (header Webex-Backfilled: true and envelope
// field "webexpipeBackfilled": true), on the subject and partition ingest
// would have used, in that partition's shard (events.Sharding). The bot's
// own messages are skipped: every worker ignores them.
//
// # Has the stream seen it?
//
// A message's event is identified by its dedup key, messages:created:<id>,
// whose hash (events.MsgID) ingest stores as the Nats-Msg-Id. JetStream
// keeps no index of those beyond the duplicate window, and a direct get looks up a
// subject, not an id. So before storing anything, a backfill reads the
// message events of the window once, from every events shard's stream
// (an event stored before the shard count changed may sit in another shard
// than its partition's now), from a little before its start (a
// margin for clock differences between Webex and JetStream), with an
// ordered consumer that fetches headers only, and keeps the set of their
// ids (events.StoredMsgID, which also hashes the long ids of events stored
// before ids were hashed). A message whose webhook was stored has its created time
// inside the window, so it is in that set; the idempotency markers of the
// workers are not used, since an event can be stored and not handled yet.
// The synthetic event carries the same Nats-Msg-Id, so a webhook or another
// backfill storing the same message at the same moment is dropped by the
// duplicate window, and a second backfill finds the first one's events in
// the scan: running it twice changes nothing.
//
// A window that starts before the oldest stored event cannot be checked
// fully (Summary.Partial): older events expired from the stream. The
// workers' idempotency markers (PROCESSED_TTL) and, past them, their
// consumers' ack floors keep a message handled then from being handled
// again.
//
// # Sessions
//
// Run is one Session over the whole window. The automatic recovery after a
// webhook outage (workers/admin/recovery) drives a Session itself, room by
// room, to keep cursors and caps; it reads each shard's stream through one
// named consumer (SessionOptions.ConsumerName), the only one its NATS user
// may create there.
package backfill
