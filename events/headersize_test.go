package events

import (
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
)

// TestHeaderBytes: the size is what nats.go counts for a message's
// headers (Msg.Size less the subject and data).
func TestHeaderBytes(t *testing.T) {
	for _, h := range []nats.Header{
		{HeaderMsgID: {"messages:created:1"}},
		{HeaderMsgID: {"a"}, HeaderResource: {"messages"}, HeaderEvent: {"created"}, "X": {"1", "22"}},
		{HeaderMsgID: {strings.Repeat("x", 70000)}},
	} {
		msg := &nats.Msg{Subject: "s", Header: h, Data: []byte("body")}
		want := msg.Size() - len(msg.Subject) - len(msg.Data)
		if got := HeaderBytes(h); got != want {
			t.Errorf("HeaderBytes = %d, nats.go counts %d", got, want)
		}
	}
}
