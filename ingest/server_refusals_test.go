package ingest_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/ingest"
)

// TestEveryRefusalCounted: what the router and net/http itself refuse
// (unknown paths, wrong methods, headers too large, unknown transfer
// codings, other HTTP versions, requests that do not parse) is answered,
// logged and counted by outcome like a refused delivery.
func TestEveryRefusalCounted(t *testing.T) {
	e := newEnv(t, nil)
	ln := listen(t)
	serve(t, e, ln, ingest.ServerConfig{MaxHeaderBytes: 1 << 10})
	addr := ln.Addr().String()
	const hook = ingest.DefaultPath

	tests := []struct {
		name    string
		request string
		status  int
		outcome string
		logged  string
	}{
		{"unknown path", "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404, "not_found", "request refused"},
		{"webhook path with a slash more", "POST /webhooks//webex HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 404, "not_found", "request refused"},
		{"webhook path with a trailing slash", "POST " + hook + "/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 404, "not_found", "request refused"},
		{"POST to healthz", "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405, "method_not_allowed", "request refused"},
		{"DELETE metrics", "DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 405, "method_not_allowed", "request refused"},
		{"headers too large", "POST " + hook + " HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 8<<10) + "\r\n\r\n", 431, "header_too_large", "request refused by the HTTP server"},
		{"unknown transfer coding", "POST " + hook + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "not_implemented", "request refused by the HTTP server"},
		{"HTTP/3.0", "GET /healthz HTTP/3.0\r\nHost: x\r\n\r\n", 505, "version_not_supported", "request refused by the HTTP server"},
		{"garbage", "GARBAGE\r\n\r\n", 400, "malformed_request", "request refused by the HTTP server"},
		{"no Host", "POST " + hook + " HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400, "malformed_request", "request refused by the HTTP server"},
		{"two lengths", "POST " + hook + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400, "malformed_request", "request refused by the HTTP server"},
		{"length not a number", "POST " + hook + " HTTP/1.1\r\nHost: x\r\nContent-Length: five\r\n\r\n", 400, "malformed_request", "request refused by the HTTP server"},
		{"unknown expectation", "POST " + hook + " HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\n", 417, "malformed_request", "request refused by the HTTP server"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := e.outcomes(t)[tc.outcome]
			logsBefore := strings.Count(e.logs.String(), `msg="`+tc.logged+`"`)
			resp := rawRequest(t, addr, tc.request)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if got := e.outcomes(t)[tc.outcome]; got != before+1 {
				t.Errorf("%s counted %v, want %v", tc.outcome, got, before+1)
			}
			if got := strings.Count(e.logs.String(), `msg="`+tc.logged+`"`); got != logsBefore+1 {
				t.Errorf("%d %q log lines, want %d", got, tc.logged, logsBefore+1)
			}
		})
	}

	// On one connection, requests handlers answered are not counted as
	// the server's refusals, and the server's refusal after them is.
	t.Run("after answered requests on one connection", func(t *testing.T) {
		before := e.outcomes(t)
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(conn)
		for _, want := range []int{200, 404, 200} {
			path := "/healthz"
			if want == 404 {
				path = "/nope"
			}
			if _, err := io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil || resp.StatusCode != want {
				t.Fatalf("GET %s: %v, %v; want %d", path, resp, err, want)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
		}
		if _, err := io.WriteString(conn, "GARBAGE\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 400 {
			t.Fatalf("garbage: %v, %v; want 400", resp, err)
		}
		after := e.outcomes(t)
		for outcome, want := range map[string]float64{"not_found": 1, "malformed_request": 1, "method_not_allowed": 0} {
			if got := after[outcome] - before[outcome]; got != want {
				t.Errorf("%s counted %v more, want %v", outcome, got, want)
			}
		}
	})
}

// rawRequest writes request on a new connection and reads the answer.
func rawRequest(t *testing.T, addr, request string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp
}
