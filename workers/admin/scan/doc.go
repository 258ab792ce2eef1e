// Package scan reads a stretch of WEBEX_EVENTS, or of another shard of the
// events (WEBEX_EVENTS_<k>), in stream order for the operator tools:
// replay, events list, backfill. Sequences are per stream, so a scan reads
// one stream; the tools scan each shard in turn.
//
// It reads with an ordered consumer, an ephemeral consumer the client
// recreates at the right place when it loses a message, so a scan costs no
// durable state on the server and cannot disturb any worker's consumer. A
// scan ends at the last message stored when it began: events ingest stores
// while it runs (and the replayed copies a replay stores into the same
// stream) are not part of it, so a scan always ends.
package scan
