package ingest_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/internal/waitfor"
)

// TestHeaderOnlyFloodMemory: requests that declare the largest body
// allowed and send none cost memory for what they sent, not for what they
// declared, and the memory is given back when they go.
//
// Each request waits for the server's "100 Continue", which comes only once
// the handler reads the body: from then on every request holds whatever
// the read path reserved.
func TestHeaderOnlyFloodMemory(t *testing.T) {
	const (
		conns    = 64
		declared = ingest.DefaultMaxBodyBytes
		// What a waiting request may hold: connection buffers and the
		// read path's first chunk, far below the 1 MiB it declared.
		perConn = 64 << 10
	)
	e := newEnv(t, nil)
	u, err := url.Parse(e.url)
	if err != nil {
		t.Fatal(err)
	}
	before := heapAfterGC()

	held := make([]net.Conn, 0, conns)
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for range conns {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		_, err = fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: ingest\r\nContent-Type: application/json\r\n"+
			"%s: %040d\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n",
			ingest.DefaultPath, events.SignatureHeader, 0, declared)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != http.StatusContinue {
			t.Fatalf("want 100 Continue, got %v, %v", resp, err)
		}
	}
	during := heapAfterGC()
	t.Logf("heap %d KiB before, %d KiB with %d requests waiting for %d-byte bodies", before>>10, during>>10, conns, declared)
	if growth := int64(during) - int64(before); growth > conns*perConn {
		t.Errorf("heap grew by %d KiB for %d header-only requests, want at most %d KiB: the read path reserves what is declared",
			growth>>10, conns, conns*perConn>>10)
	}

	for _, c := range held {
		c.Close()
	}
	held = nil
	waitfor.True(t, 30*time.Second, "every abandoned request answered", func() bool {
		return e.outcomes(t)["bad_request"] == conns
	})
	after := heapAfterGC()
	t.Logf("heap %d KiB once they went", after>>10)
	if growth := int64(after) - int64(before); growth > conns*perConn/2 {
		t.Errorf("heap still %d KiB above where it started once the requests went", growth>>10)
	}
}

// heapAfterGC is the live heap: two collections, so that what pools
// (connection buffers) kept from the first is gone too.
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
