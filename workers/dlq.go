package workers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// maxReasonBytes keeps a dead letter's reason header and Term reason short.
const maxReasonBytes = 200

// deadLetter is the copy of ev stored on worker's DLQ subject: the raw
// body, the original headers, and headers saying where it came from and
// why. JetStream's own headers (Nats-*) are dropped: Nats-Msg-Id is
// replaced, and an expectation such as Nats-Expected-Stream would make the
// DLQ publish fail.
func deadLetter(worker string, ev *Event, reason string) *nats.Msg {
	h := make(nats.Header, len(ev.Header)+6)
	for k, v := range ev.Header {
		if len(k) >= 5 && strings.EqualFold(k[:5], "Nats-") {
			continue
		}
		h[k] = slices.Clone(v)
	}
	h.Set(events.HeaderWorker, worker)
	h.Set(events.HeaderDLQReason, reason)
	h.Set(events.HeaderOrigSubject, ev.Subject)
	h.Set(events.HeaderOrigSeq, strconv.FormatUint(ev.StreamSeq, 10))
	h.Set(events.HeaderDeliveries, strconv.FormatUint(ev.Delivered, 10))
	if ev.DedupKey != "" {
		h.Set(events.HeaderDedupKey, ev.DedupKey)
	}
	return &nats.Msg{Subject: events.DLQSubject(worker), Data: ev.Raw, Header: h}
}

// deadLetterID is the dead letter's Nats-Msg-Id: a DLQ publish retried
// after a lost PubAck is stored once.
func deadLetterID(worker string, streamSeq uint64) string {
	return worker + ":" + strconv.FormatUint(streamSeq, 10)
}

// publishDeadLetter stores the dead letter of ev and waits for the PubAck.
func publishDeadLetter(ctx context.Context, js jetstream.JetStream, worker string, ev *Event, reason string) error {
	msg := deadLetter(worker, ev, reason)
	_, err := js.PublishMsg(ctx, msg,
		jetstream.WithMsgID(deadLetterID(worker, ev.StreamSeq)),
		jetstream.WithExpectStream(events.DLQStream))
	if err != nil {
		return fmt.Errorf("publish dead letter to %s: %w", msg.Subject, err)
	}
	return nil
}

// shortReason makes a one-line reason of at most maxReasonBytes from why
// and the error. Errors never carry secrets (STYLE.md); the limit keeps
// untrusted text quoted in them from bloating headers.
func shortReason(why string, err error) string {
	s := why
	if err != nil {
		s += ": " + err.Error()
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxReasonBytes {
		return s
	}
	cut := maxReasonBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
