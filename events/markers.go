package events

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Marker is the value a worker stores in ProcessedBucket under MarkerKey once
// it processed an event. Its presence, not its content, is what counts: a
// worker that finds it skips the event unless the delivery is a forced
// replay. The fields say which stored message made it, for an operator.
//
// The same key holds, with an empty value, the record that a worker began
// handling the event (see IsMarker): one key per event and worker, written
// twice.
type Marker struct {
	StreamSeq uint64    `json:"stream_seq"`
	Subject   string    `json:"subject"`
	At        time.Time `json:"at"`
}

// IsMarker reports whether value, read under a MarkerKey, says the event
// was processed; an empty value only says that handling began.
func IsMarker(value []byte) bool { return len(value) > 0 }

// MarkerKey is the key of the marker of dedupKey for worker in
// ProcessedBucket: "<worker>.<32 hex chars of sha256(dedupKey)>". Hashing
// keeps the key within the characters KV keys allow whatever the dedup key
// holds. The workers write it; replay reads it to tell what was handled.
//
// A worker creates the key, empty, when it first starts handling an event,
// and writes the Marker into it when it is done. An empty key tells a later
// delivery that an earlier one may have begun the work (and sent a reply)
// even when JetStream counts the delivery as the first: nats-server writes
// a consumer's delivery state to disk up to 100ms after the fact, so a
// server killed in that moment forgets the delivery, while the key, a
// stream write, was on disk before the worker was told it was stored.
func MarkerKey(worker, dedupKey string) string {
	sum := sha256.Sum256([]byte(dedupKey))
	return worker + "." + hex.EncodeToString(sum[:16])
}

// AttemptKey is the key, in ProcessedBucket, of the record a worker writes
// when it starts handling a forced replay, whose copy is a new attempt
// whatever the marker says: "<worker>.forced.<32 hex chars>" of the dedup
// key and the replay run (HeaderReplayRun). A run that stores a second
// copy of an event (resumed after the duplicate window) finds the record
// of the first, so its handler looks for what the first copy did before
// acting; another run is a new attempt. A copy without a run (stored by an
// older replay) falls back to its own stream sequence.
func AttemptKey(worker, dedupKey, run string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s", dedupKey, run))
	return worker + ".forced." + hex.EncodeToString(sum[:16])
}
