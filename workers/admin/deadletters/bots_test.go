package deadletters_test

import (
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/admin/deadletters"
)

// TestBotsLetters: a dead letter of bot b is b's (its header, or for one
// without, its original subject); a filter on b keeps b's alone; a redrive
// goes to b's replay subject with b's header.
func TestBotsLetters(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	evSeq, callSeq, _ := seed(t, js)
	store := func(subject string, header bool) uint64 {
		m := nats.NewMsg(events.DLQSubject("echo"))
		m.Data = []byte(eventBody)
		m.Header.Set(events.HeaderWorker, "echo")
		m.Header.Set(events.HeaderOrigSubject, subject)
		m.Header.Set(events.HeaderOrigSeq, "3")
		if header {
			events.SetBot(m.Header, "b")
		}
		ack, err := js.PublishMsg(testCtx(t), m)
		if err != nil {
			t.Fatal(err)
		}
		return ack.Sequence
	}
	headed := store(events.BotEventSubject("b", "messages", "created", 2), true)
	bare := store(events.BotEventSubject("b", "messages", "created", 5), false)

	tests := []struct {
		bots []string
		want []uint64
	}{
		{bots: nil, want: []uint64{evSeq, callSeq, headed, bare}},
		{bots: []string{"b"}, want: []uint64{headed, bare}},
		{bots: []string{events.DefaultBot}, want: []uint64{evSeq, callSeq}},
		{bots: []string{"c"}},
	}
	for _, tt := range tests {
		got, err := deadletters.List(testCtx(t), js, deadletters.Filter{Bots: tt.bots})
		if err != nil {
			t.Fatal(err)
		}
		var seqs []uint64
		for _, e := range got {
			seqs = append(seqs, e.Seq)
		}
		if len(seqs) != len(tt.want) || len(seqs) > 0 && (seqs[0] != tt.want[0] || seqs[len(seqs)-1] != tt.want[len(tt.want)-1]) {
			t.Errorf("bots %v: %v, want %v", tt.bots, seqs, tt.want)
		}
	}

	e, err := deadletters.Get(testCtx(t), js, bare)
	if err != nil {
		t.Fatal(err)
	}
	if e.Bot != "b" {
		t.Errorf("dead letter without a header is bot %q's, want b's (its subject's)", e.Bot)
	}
	r, err := deadletters.Redrive(testCtx(t), js, e, deadletters.RedriveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := events.BotReplaySubject("echo", "b", "messages", "created", 5); r.Subject != want {
		t.Fatalf("redriven to %s, want %s", r.Subject, want)
	}
	s, err := js.Stream(testCtx(t), events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetLastMsgForSubject(testCtx(t), r.Subject)
	if err != nil {
		t.Fatal(err)
	}
	if got := events.BotOf(m.Header); got != "b" {
		t.Errorf("redriven copy is bot %q's, want b's", got)
	}
}
