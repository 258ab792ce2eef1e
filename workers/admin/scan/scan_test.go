package scan_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/workers/admin/scan"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// seed stores messages, memberships, messages; it returns the stored time
// of the third message and the sequence numbers by subject kind.
func seed(t *testing.T, js jetstream.JetStream) time.Time {
	t.Helper()
	ctx := testCtx(t)
	publish := func(subject string) *jetstream.PubAck {
		ack, err := js.Publish(ctx, subject, []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		return ack
	}
	publish(events.EventSubject("messages", "created", 1))    // 1
	publish(events.EventSubject("memberships", "created", 2)) // 2
	third := publish(events.EventSubject("messages", "created", 3))
	publish(events.ReplaySubject("echo", "messages", "created", 1)) // 4
	publish(events.EventSubject("messages", "deleted", 1))          // 5
	publish(events.EventSubject("messages", "created", 4))          // 6
	s, err := js.Stream(ctx, events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMsg(ctx, third.Sequence)
	if err != nil {
		t.Fatal(err)
	}
	return m.Time
}

func TestEach(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	third := seed(t, js)
	created := []string{events.EventFilter("messages", "created")}
	tests := []struct {
		name string
		r    scan.Range
		stop uint64 // return ErrStop at this sequence
		want []uint64
	}{
		{name: "one filter", r: scan.Range{Filters: created}, want: []uint64{1, 3, 6}},
		{name: "two filters", r: scan.Range{Filters: append(created, events.EventFilter("memberships", "*"))}, want: []uint64{1, 2, 3, 6}},
		{name: "replays only when asked", r: scan.Range{Filters: []string{events.ReplayFilter("echo")}}, want: []uint64{4}},
		{name: "from a sequence", r: scan.Range{Filters: created, FromSeq: 2}, want: []uint64{3, 6}},
		{name: "since a time", r: scan.Range{Filters: created, Since: third}, want: []uint64{3, 6}},
		{name: "until a time", r: scan.Range{Filters: created, Until: third}, want: []uint64{1, 3}},
		{name: "to a sequence", r: scan.Range{Filters: created, ToSeq: 5}, want: []uint64{1, 3}},
		{name: "past the end", r: scan.Range{Filters: created, FromSeq: 99}},
		{name: "nothing matches", r: scan.Range{Filters: []string{events.EventFilter("rooms", "*")}}},
		{name: "stopped early", r: scan.Range{Filters: created}, stop: 3, want: []uint64{1, 3}},
		{name: "headers only", r: scan.Range{Filters: created, HeadersOnly: true}, want: []uint64{1, 3, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []uint64
			err := scan.Each(testCtx(t), js, tt.r, nil, func(m *scan.Msg) error {
				got = append(got, m.Seq)
				if tt.r.HeadersOnly && len(m.Data) != 0 {
					t.Errorf("seq %d: body %q in a headers-only scan", m.Seq, m.Data)
				}
				if m.Seq == tt.stop {
					return scan.ErrStop
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("sequences %v, want %v", got, tt.want)
			}
		})
	}
}

// A scan ends at the end of the stream as it was when the scan began, even
// while messages keep arriving.
func TestEachEndsAtTheStartingEnd(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	seed(t, js)
	ctx := testCtx(t)
	var got []uint64
	var start scan.Start
	err := scan.Each(ctx, js, scan.Range{Filters: []string{events.EventFilter("*", "*")}}, func(s scan.Start) { start = s },
		func(m *scan.Msg) error {
			got = append(got, m.Seq)
			_, err := js.Publish(ctx, events.EventSubject("messages", "created", 9), []byte(`{}`))
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []uint64{1, 2, 3, 5, 6}) {
		t.Errorf("sequences %v", got)
	}
	if start.Pending != 5 || start.LastSeq != 6 {
		t.Errorf("start = %+v, want 5 pending up to 6", start)
	}
}

func TestEachErrors(t *testing.T) {
	_, _, js := localnats.StartProvisioned(t)
	seed(t, js)
	boom := errors.New("boom")
	err := scan.Each(testCtx(t), js, scan.Range{Filters: []string{events.EventFilter("*", "*")}}, nil, func(*scan.Msg) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("callback error: %v", err)
	}
	if err := scan.Each(testCtx(t), js, scan.Range{}, nil, func(*scan.Msg) error { return nil }); err == nil {
		t.Error("no filter accepted")
	}
	if err := scan.Each(testCtx(t), js, scan.Range{Stream: "NOPE", Filters: []string{">"}}, nil, func(*scan.Msg) error { return nil }); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("missing stream: %v", err)
	}
}
