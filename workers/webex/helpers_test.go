package webex_test

import (
	"context"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// testToken is long and unusual so that finding it in any text is a leak.
const testToken = "tok-3f9a1c77e2b54d0c9e1a-SECRET"

// newEmulator starts an emulator that wants testToken.
func newEmulator(t *testing.T) *emulator.Server {
	t.Helper()
	return emulator.NewTest(t, emulator.Options{Token: testToken})
}

// newClient returns a client of srv; timeout 0 keeps the default.
func newClient(t *testing.T, srv *emulator.Server, timeout time.Duration) *webex.Client {
	t.Helper()
	c, err := webex.New(webex.Config{BaseURL: srv.URL(), Token: srv.Token(), Timeout: timeout})
	if err != nil {
		t.Fatalf("webex.New: %v", err)
	}
	return c
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// countCalls counts the API calls srv received with method and path.
func countCalls(srv *emulator.Server, method, path string) int {
	n := 0
	for _, c := range srv.Calls() {
		if c.Method == method && c.Path == path {
			n++
		}
	}
	return n
}
