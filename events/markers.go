package events

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Marker is the value a worker stores in ProcessedBucket under MarkerKey once
// it processed an event. Its presence, not its content, is what counts: a
// worker that finds the key skips the event unless the delivery is a forced
// replay. The fields say which stored message made it, for an operator.
type Marker struct {
	StreamSeq uint64    `json:"stream_seq"`
	Subject   string    `json:"subject"`
	At        time.Time `json:"at"`
}

// MarkerKey is the key of the marker of dedupKey for worker in
// ProcessedBucket: "<worker>.<32 hex chars of sha256(dedupKey)>". Hashing
// keeps the key within the characters KV keys allow whatever the dedup key
// holds. The workers write it; replay reads it to tell what was handled.
func MarkerKey(worker, dedupKey string) string {
	sum := sha256.Sum256([]byte(dedupKey))
	return worker + "." + hex.EncodeToString(sum[:16])
}

// AttemptKey is the key, in ProcessedBucket, of the record a worker writes
// when it first starts handling an event: "started.<worker>.<32 hex
// chars>". Its presence tells a later delivery that an earlier one may
// have begun the work (and sent a reply) even when JetStream counts the
// delivery as the first: nats-server writes a consumer's delivery state to
// disk up to 100ms after the fact, so a server killed in that moment
// forgets the delivery, while the record, a stream write, was on disk
// before the worker was told it was stored. A forced replay is a new
// attempt: its copy's stream sequence (copySeq, zero otherwise) is part of
// the key.
func AttemptKey(worker, dedupKey string, copySeq uint64) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d", dedupKey, copySeq))
	return "started." + worker + "." + hex.EncodeToString(sum[:16])
}
