package localnats

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ClusterConfig describes a JetStream cluster run inside one process, for
// tests of what a deployment's cluster does: leader elections, replicated
// streams, a node going away.
type ClusterConfig struct {
	// Nodes is the cluster's size; default 3.
	Nodes int
	// StoreDir holds one directory per node; required.
	StoreDir string
	// Name is the cluster's name, and the prefix of its servers' names;
	// default "webexpipe".
	Name string
	// Logs turns on the servers' own log output (to stderr).
	Logs bool
	// StartTimeout bounds the wait for every node to accept connections
	// and for JetStream to elect its meta leader; default 20s.
	StartTimeout time.Duration
}

// Cluster is a running in-process cluster. Its nodes listen on random
// loopback ports for clients and for routes, and each has a route to every
// node. It is safe for concurrent use.
type Cluster struct {
	nodes []*Server

	mu   sync.Mutex // guards down
	down map[int]bool
}

// StartCluster starts cfg.Nodes servers with JetStream, joins them in a
// cluster and waits until JetStream has a meta leader that every node
// follows. The caller must call Shutdown.
func StartCluster(cfg ClusterConfig) (*Cluster, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("localnats: StoreDir is required")
	}
	if cfg.Nodes == 0 {
		cfg.Nodes = 3
	}
	if cfg.Name == "" {
		cfg.Name = "webexpipe"
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 20 * time.Second
	}
	// JetStream refuses to start clustered without routes, so every node
	// is given every route before the first starts; the ports are chosen
	// free and released just before (another process could take one in
	// between: StartCluster then fails, it does not hang).
	ports, err := freePorts(cfg.Nodes)
	if err != nil {
		return nil, err
	}
	routes := make([]*url.URL, len(ports))
	for i, p := range ports {
		routes[i] = &url.URL{Scheme: "nats-route", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(p))}
	}
	c := &Cluster{down: map[int]bool{}}
	for i := range cfg.Nodes {
		opts := &server.Options{
			ServerName: fmt.Sprintf("%s-%d", cfg.Name, i),
			Host:       "127.0.0.1",
			Port:       server.RANDOM_PORT,
			JetStream:  true,
			StoreDir:   filepath.Join(cfg.StoreDir, fmt.Sprintf("n%d", i)),
			NoSigs:     true,
			NoLog:      !cfg.Logs,
			Cluster: server.ClusterOpts{
				Name: cfg.Name,
				Host: "127.0.0.1",
				Port: ports[i],
			},
			Routes: routes,
		}
		s, err := run(opts, cfg.Logs, cfg.StartTimeout)
		if err != nil {
			c.Shutdown()
			return nil, fmt.Errorf("node %d: %w", i, err)
		}
		c.nodes = append(c.nodes, s)
	}
	if err := c.waitJetStream(cfg.StartTimeout); err != nil {
		c.Shutdown()
		return nil, err
	}
	return c, nil
}

// freePorts finds n free loopback ports.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("localnats: find a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// waitJetStream waits until one node is the JetStream meta leader and
// every node is current with it.
func (c *Cluster) waitJetStream(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		// Only the leader lists the peers, those that sent it their stats.
		peers, current := 0, true
		for _, s := range c.nodes {
			if s.ns.JetStreamIsLeader() {
				peers = len(s.ns.JetStreamClusterPeers())
			}
			current = current && s.ns.JetStreamIsCurrent()
		}
		if peers == len(c.nodes) && current {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("localnats: %w: no JetStream meta leader followed by all %d nodes after %s", ErrNotReady, len(c.nodes), timeout)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Nodes returns the cluster's servers, stopped ones included.
func (c *Cluster) Nodes() []*Server { return append([]*Server(nil), c.nodes...) }

// ClientURL lists every node's URL, comma-separated, as nats.Connect
// takes a server list: a client then reconnects to a surviving node.
func (c *Cluster) ClientURL() string {
	urls := make([]string, len(c.nodes))
	for i, s := range c.nodes {
		urls[i] = s.ClientURL()
	}
	return strings.Join(urls, ",")
}

// StreamLeader returns the index of the node leading stream in the global
// account, or -1 when no running node leads it.
func (c *Cluster) StreamLeader(stream string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, s := range c.nodes {
		if !c.down[i] && s.ns.JetStreamIsStreamLeader(server.DEFAULT_GLOBAL_ACCOUNT, stream) {
			return i
		}
	}
	return -1
}

// Stop shuts node i down and waits for it. The others go on; it is not
// restarted.
func (c *Cluster) Stop(i int) {
	c.mu.Lock()
	if c.down[i] {
		c.mu.Unlock()
		return
	}
	c.down[i] = true
	c.mu.Unlock()
	c.nodes[i].Shutdown()
}

// Shutdown stops every node still running.
func (c *Cluster) Shutdown() {
	for i := range c.nodes {
		c.Stop(i)
	}
}
