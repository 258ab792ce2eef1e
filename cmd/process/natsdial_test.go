package process

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/syncbuf"
	"github.com/webexpipe/webexpipe/internal/waitfor"
)

// freePort is a loopback port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestConnectWaitsForNATS: a binary started before NATS waits for it, says
// so in its log, and connects once the server is up.
func TestConnectWaitsForNATS(t *testing.T) {
	port := freePort(t)
	var logs syncbuf.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	o := NATSOptions{URL: fmt.Sprintf("nats://127.0.0.1:%d", port), Streams: events.DefaultStreamOptions(), ConnectTimeout: time.Minute}
	type result struct{ err error }
	done := make(chan result, 1)
	go func() {
		nc, _, err := Connect(context.Background(), o, "test", log)
		if err == nil {
			nc.Close()
		}
		done <- result{err}
	}()
	waitfor.True(t, 10*time.Second, "a retry logged", func() bool { return strings.Contains(logs.String(), "NATS not reachable yet") })
	srv, err := localnats.Start(localnats.Config{Port: port, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("connect: %v", r.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Connect did not connect once NATS was up")
	}
}

// TestConnectGivesUp: the wait is bounded and the error says why.
func TestConnectGivesUp(t *testing.T) {
	o := NATSOptions{URL: fmt.Sprintf("nats://127.0.0.1:%d", freePort(t)), Streams: events.DefaultStreamOptions(), ConnectTimeout: 600 * time.Millisecond}
	_, _, err := Connect(context.Background(), o, "test", slog.New(slog.DiscardHandler))
	if !errors.Is(err, ErrNATSUnreachable) {
		t.Fatalf("err = %v, want ErrNATSUnreachable", err)
	}
}
