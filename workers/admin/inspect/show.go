package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// Stored is one event in full.
type Stored struct {
	Record
	Header nats.Header
	Body   []byte
}

// Get returns the event stored at seq in stream (an events shard's
// stream; empty means WEBEX_EVENTS), or an error wrapping ErrNotFound.
func Get(ctx context.Context, js jetstream.JetStream, stream string, seq uint64) (*Stored, error) {
	if stream == "" {
		stream = events.EventsStream
	}
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", stream, err)
	}
	m, err := s.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, fmt.Errorf("event %s:%d: %w", stream, seq, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read event %s:%d: %w", stream, seq, err)
	}
	h := m.Header
	if h == nil {
		h = nats.Header{}
	}
	return &Stored{Record: newRecord(stream, m.Sequence, m.Time, m.Subject, h, m.Data), Header: h, Body: m.Data}, nil
}

// Pretty is the body indented for reading; a body that is not JSON is
// returned as it is.
func (s *Stored) Pretty() []byte {
	var b bytes.Buffer
	if json.Indent(&b, s.Body, "", "  ") != nil {
		return s.Body
	}
	return b.Bytes()
}

// Verdict is the outcome of checking a stored event's signature again.
type Verdict string

// Verdicts of Verify.
const (
	// SignatureValid: one of the secrets signs the stored body.
	SignatureValid Verdict = "valid"
	// SignatureInvalid: none of the secrets does (another secret, or the
	// body is not what Webex signed).
	SignatureInvalid Verdict = "invalid"
	// SignatureAbsent: the event has no signature (backfilled, or stored by
	// an ingest that skipped the check).
	SignatureAbsent Verdict = "unsigned"
	// SignatureNotChecked: no secret was given.
	SignatureNotChecked Verdict = "not checked"
)

// Verify checks the stored X-Spark-Signature (header Webex-Signature)
// against the raw body with each secret.
func (s *Stored) Verify(secrets [][]byte) Verdict {
	sig := s.Header.Get(events.HeaderSignature)
	switch {
	case sig == "":
		return SignatureAbsent
	case len(secrets) == 0:
		return SignatureNotChecked
	case events.VerifySignature(s.Body, sig, secrets):
		return SignatureValid
	}
	return SignatureInvalid
}
