package localnats

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// StartTest starts a server on a random loopback port with a store under
// tb.TempDir() and shuts it down when the test ends.
func StartTest(tb testing.TB) *Server {
	tb.Helper()
	s, err := Start(Config{StoreDir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Shutdown)
	return s
}

// ConnectTest connects to s and closes the connection when the test ends.
// opts are added to the client's options (e.g. a short reconnect wait).
func (s *Server) ConnectTest(tb testing.TB, opts ...nats.Option) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	nc, err := nats.Connect(s.ClientURL(), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	return nc, js
}

// ProvisionTest creates webexpipe's streams and buckets with o, failing the
// test on error.
func ProvisionTest(tb testing.TB, js jetstream.JetStream, o events.StreamOptions) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := events.Provision(ctx, js, o); err != nil {
		tb.Fatalf("provision: %v", err)
	}
}

// StartProvisioned starts a test server, connects to it and provisions the
// streams and buckets in memory: the usual start of an integration test.
func StartProvisioned(tb testing.TB) (*Server, *nats.Conn, jetstream.JetStream) {
	tb.Helper()
	s := StartTest(tb)
	nc, js := s.ConnectTest(tb)
	o := events.DefaultStreamOptions()
	o.Storage = jetstream.MemoryStorage
	ProvisionTest(tb, js, o)
	return s, nc, js
}

// StartClusterTest starts a 3-node cluster with stores under tb.TempDir()
// and shuts it down when the test ends.
func StartClusterTest(tb testing.TB) *Cluster {
	tb.Helper()
	c, err := StartCluster(ClusterConfig{StoreDir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Shutdown)
	return c
}

// ConnectTest connects to the cluster with its server list, reconnecting
// quickly and for ever, and closes the connection when the test ends.
func (c *Cluster) ConnectTest(tb testing.TB, opts ...nats.Option) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	opts = append([]nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(50 * time.Millisecond)}, opts...)
	nc, err := nats.Connect(c.ClientURL(), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	return nc, js
}
