package ingest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestWriteStoredMatchesWriteJSON: the hand-built answer to a stored
// delivery is byte for byte what writeJSON makes of a storedBody, headers
// included.
func TestWriteStoredMatchesWriteJSON(t *testing.T) {
	for _, c := range []struct {
		seq uint64
		dup bool
	}{{0, false}, {1, false}, {42, true}, {1<<64 - 1, false}} {
		fast := httptest.NewRecorder()
		writeStored(fast, c.seq, c.dup)
		slow := httptest.NewRecorder()
		writeJSON(slow, http.StatusOK, storedBody{Status: "stored", StreamSeq: c.seq, Duplicate: c.dup})
		if fast.Body.String() != slow.Body.String() {
			t.Errorf("seq %d dup %v: got %q, want %q", c.seq, c.dup, fast.Body, slow.Body)
		}
		if !json.Valid(fast.Body.Bytes()) {
			t.Errorf("seq %d: not JSON: %q", c.seq, fast.Body)
		}
		if fast.Code != slow.Code {
			t.Errorf("status %d, want %d", fast.Code, slow.Code)
		}
		for _, h := range []string{"Content-Type", "Cache-Control", "X-Content-Type-Options"} {
			if got, want := fast.Header().Get(h), slow.Header().Get(h); got != want || got == "" {
				t.Errorf("%s: %q, want %q", h, got, want)
			}
		}
	}
}
