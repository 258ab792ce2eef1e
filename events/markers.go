package events

import (
	"crypto/sha256"
	"encoding/hex"
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
