package ingest

import (
	"fmt"
	"net/http"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/events"
)

// headersFit refuses an event whose headers JetStream would never store
// (events.MaxHeaderBytes), either as ingest stores it or as a copy (a
// replayed copy or a dead letter): Webex-Webhook-Id carries the envelope's
// id, and a copy's Webex-Dedup-Key the dedup key, which holds data.id;
// neither is bounded by anything but the body size. Checked before
// publishing or spooling, so that such a delivery gets a 400 saying why
// rather than a 503 inviting a retry that cannot work, a spool record the
// forwarder could never deliver, or an event no worker could dead-letter.
func headersFit(d delivery, h nats.Header) *rejection {
	n := events.HeaderBytes(h) + len(events.HeaderDedupKey) + len(": \r\n") + len(d.dedupKey) + copyHeaderBytes
	if n <= events.MaxHeaderBytes {
		return nil
	}
	field, size := "data.id", len(d.env.Data.ID)
	if len(d.env.ID) > size {
		field, size = "id", len(d.env.ID)
	}
	if len(d.signature) > size {
		field, size = events.SignatureHeader, len(d.signature)
	}
	return &rejection{http.StatusBadRequest, outcomeBadRequest, fmt.Sprintf(
		"%s too long (%d bytes): the event's headers would take %d bytes, JetStream stores at most %d",
		field, size, n, events.MaxHeaderBytes)}
}

// copyHeaderBytes bounds what a copy's provenance adds besides the dedup
// key: the original's subject, stream and sequence, the worker, a reason.
const copyHeaderBytes = 1024
