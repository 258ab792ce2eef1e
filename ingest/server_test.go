package ingest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/ingest"
)

// serve runs e's service on a loopback port; stop cancels it and returns
// what Serve returned.
func serve(t *testing.T, e *testEnv, ln net.Listener, sc ingest.ServerConfig) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.svc.Serve(ctx, ln, sc) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				err = errors.New("Serve did not return within 10s")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// TestSlowHeadersCutOff: a client that never finishes its headers is
// disconnected after ReadHeaderTimeout instead of holding a connection.
func TestSlowHeadersCutOff(t *testing.T) {
	e := newEnv(t, nil)
	ln := listen(t)
	serve(t, e, ln, ingest.ServerConfig{ReadHeaderTimeout: 200 * time.Millisecond})

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := io.WriteString(conn, "POST "+ingest.DefaultPath+" HTTP/1.1\r\nHost: x\r\nContent-Type: appl"); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after 5s: ReadHeaderTimeout not applied")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("cut off after %s, want about 200ms", took)
	}
}

// closeWatcher reports when the server closed its listener, which
// Shutdown does first.
type closeWatcher struct {
	net.Listener
	once   sync.Once
	closed chan struct{}
}

func watchClose(ln net.Listener) *closeWatcher {
	return &closeWatcher{Listener: ln, closed: make(chan struct{})}
}

func (l *closeWatcher) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// startSlowDelivery sends the headers of a signed delivery with
// "Expect: 100-continue" and waits for the 100 answer, which the server
// sends only once the handler reads the body: from then on the request is
// in flight. The caller sends the body.
func startSlowDelivery(t *testing.T, addr string, body []byte) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: ingest\r\nContent-Type: application/json\r\n"+
		"%s: %s\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n",
		ingest.DefaultPath, events.SignatureHeader, events.Sign(secretA, body), len(body))
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusContinue {
		t.Fatalf("want 100 Continue, got %v, %v", resp, err)
	}
	return conn, br
}

// TestGracefulShutdown: cancelling Serve's context while a delivery is in
// flight lets it finish and be stored, then Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	e := newEnv(t, nil)
	ln := watchClose(listen(t))
	stop := serve(t, e, ln, ingest.ServerConfig{ShutdownTimeout: 5 * time.Second})

	body := webhook("messages", "created", "in-flight", "room-1")
	conn, br := startSlowDelivery(t, ln.Addr().String(), body)
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	select {
	case <-ln.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("shutdown did not begin")
	}
	if _, err := conn.Write(body); err != nil {
		t.Fatalf("finish the body after shutdown began: %v", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("in-flight request got no answer: %v", err)
	}
	defer resp.Body.Close()
	var got struct {
		Status string `json:"status"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&got)
	if resp.StatusCode != 200 || got.Status != "stored" {
		t.Errorf("in-flight answer %d %q, want 200 stored", resp.StatusCode, got.Status)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
	if n := e.stored(t); n != 1 {
		t.Errorf("stream holds %d messages, want 1", n)
	}
}

// TestShutdownTimeout: a request that does not finish within
// ShutdownTimeout is cut off and Serve says so.
func TestShutdownTimeout(t *testing.T) {
	e := newEnv(t, nil)
	ln := listen(t)
	stop := serve(t, e, ln, ingest.ServerConfig{ShutdownTimeout: 200 * time.Millisecond})
	startSlowDelivery(t, ln.Addr().String(), webhook("messages", "created", "stuck", "room-1"))
	if err := stop(); !errors.Is(err, ingest.ErrShutdownTimeout) {
		t.Fatalf("Serve = %v, want ErrShutdownTimeout", err)
	}
}

func TestServeRejectsNegativeTimeouts(t *testing.T) {
	e := newEnv(t, nil)
	err := e.svc.Serve(context.Background(), listen(t), ingest.ServerConfig{ReadTimeout: -time.Second})
	if !errors.Is(err, ingest.ErrInvalidConfig) {
		t.Fatalf("Serve = %v, want ErrInvalidConfig", err)
	}
}

func TestListenAndServeBadAddr(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.svc.ListenAndServe(context.Background(), ingest.ServerConfig{Addr: "127.0.0.1:notaport"}); err == nil {
		t.Fatal("ListenAndServe on a bad address succeeded")
	}
}
