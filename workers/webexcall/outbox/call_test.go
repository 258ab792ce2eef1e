package outbox_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/workers/webexcall/outbox"
)

func TestCallID(t *testing.T) {
	body := json.RawMessage(`{"roomId":"r","markdown":"hi"}`)
	base := outbox.CallID("echo", "messages:created:m1", "POST", "/messages", body)
	if len(base) != 32 || base != outbox.CallID("echo", "messages:created:m1", "POST", "/messages", body) {
		t.Fatalf("CallID = %q: want 32 stable hex characters", base)
	}
	tests := []struct {
		name                   string
		worker, key, method, p string
		body                   string
	}{
		{"other worker", "cards", "messages:created:m1", "POST", "/messages", string(body)},
		{"other event", "echo", "messages:created:m2", "POST", "/messages", string(body)},
		{"other body", "echo", "messages:created:m1", "POST", "/messages", `{"roomId":"r","markdown":"ho"}`},
		{"other method", "echo", "messages:created:m1", "PUT", "/messages", string(body)},
		{"parts shifted", "echo", "messages:created:m1POST", "", "/messages", string(body)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if outbox.CallID(tt.worker, tt.key, tt.method, tt.p, []byte(tt.body)) == base {
				t.Error("same id for a different call")
			}
		})
	}
	if a, b := outbox.New("echo", "POST", "/messages", body, nil), outbox.New("echo", "POST", "/messages", body, nil); a.ID == b.ID {
		t.Error("calls without an event share an id")
	}
}

func TestRecordAndMsgID(t *testing.T) {
	c := outbox.New("echo", "POST", "/messages", json.RawMessage(`{}`), &outbox.EventRef{DedupKey: "k"})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := map[string]bool{c.MsgID(): true}
	c.Record(outbox.Attempt{At: t0, Took: time.Second, Outcome: outbox.OutcomeUnknown, Error: "timeout"})
	c.Record(outbox.Attempt{At: t0.Add(time.Minute), Took: time.Second, Outcome: outbox.OutcomeRetryable, Status: 503, TrackingID: "T2"})
	if c.Attempts != 2 || !c.FirstAttempt.Equal(t0) || !c.FirstFailure.Equal(t0.Add(time.Second)) {
		t.Errorf("summary: attempts %d, first attempt %s, first failure %s", c.Attempts, c.FirstAttempt, c.FirstFailure)
	}
	if !c.Ambiguous {
		t.Error("a clean failure after an unknown outcome cleared Ambiguous")
	}
	if c.LastStatus != 503 || c.LastTrackingID != "T2" || !c.LastAttemptEnd().Equal(t0.Add(61*time.Second)) {
		t.Errorf("last: %d %q %s", c.LastStatus, c.LastTrackingID, c.LastAttemptEnd())
	}
	for _, step := range []func(){
		func() {},
		func() { c.Scheduled = true },
		func() { c.Record(outbox.Attempt{At: t0.Add(2 * time.Minute), Outcome: outbox.OutcomeRetryable}) },
		func() { c.Redrive() },
	} {
		step()
		if ids[c.MsgID()] {
			t.Errorf("MsgID %q repeats an earlier state", c.MsgID())
		}
		ids[c.MsgID()] = true
	}
	replayed := *c
	replayed.Event = &outbox.EventRef{Seq: 99, DedupKey: "k"}
	if replayed.MsgID() == c.MsgID() {
		t.Error("the call of a replayed copy of the event has the original's MsgID")
	}
	if c.Attempts != 0 || !c.FirstFailure.IsZero() || c.Redriven != 1 || len(c.History) != 3 {
		t.Errorf("after redrive: attempts %d, first failure %s, redriven %d, history %d", c.Attempts, c.FirstFailure, c.Redriven, len(c.History))
	}
}

func TestHistoryIsBounded(t *testing.T) {
	c := outbox.New("echo", "POST", "/messages", nil, nil)
	for i := range outbox.MaxHistory + 5 {
		c.Record(outbox.Attempt{At: time.Unix(int64(i), 0), Outcome: outbox.OutcomeRetryable})
	}
	if len(c.History) != outbox.MaxHistory || c.HistoryDropped != 5 {
		t.Fatalf("history %d, dropped %d", len(c.History), c.HistoryDropped)
	}
	if c.History[0].At.Unix() != 0 || c.History[len(c.History)-1].At.Unix() != outbox.MaxHistory+4 {
		t.Error("the first and the latest attempts must be kept")
	}
}

func TestDecode(t *testing.T) {
	good := outbox.New("echo", "POST", "/messages", json.RawMessage(`{"a":1}`), &outbox.EventRef{Seq: 7, DedupKey: "k"})
	good.Record(outbox.Attempt{At: time.Now(), Outcome: outbox.OutcomeRetryable, Status: 503})
	b, err := good.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := outbox.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != good.ID || got.Event.Seq != 7 || string(got.Body) != `{"a":1}` || len(got.History) != 1 {
		t.Errorf("round trip lost data: %+v", got)
	}
	tests := []struct {
		name    string
		body    string
		wantErr error
	}{
		{name: "not JSON", body: `nope`},
		{name: "no version", body: `{"id":"a","worker":"echo","method":"POST","path":"/messages"}`},
		{name: "newer version", body: `{"v":2,"id":"a","worker":"echo","method":"POST","path":"/messages"}`, wantErr: outbox.ErrUnknownVersion},
		{name: "no path", body: `{"v":1,"id":"a","worker":"echo","method":"POST"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := outbox.Decode([]byte(tt.body))
			if err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
