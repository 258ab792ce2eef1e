package natsconf_test

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/webexpipe/webexpipe/deploy/natsconf"
	"github.com/webexpipe/webexpipe/internal/waitfor"
)

// errorLog is a nats-server logger that keeps the error lines.
type errorLog struct {
	mu    sync.Mutex // guards lines
	lines []string
}

func (l *errorLog) Noticef(string, ...any) {}
func (l *errorLog) Warnf(string, ...any)   {}
func (l *errorLog) Fatalf(string, ...any)  {}
func (l *errorLog) Debugf(string, ...any)  {}
func (l *errorLog) Tracef(string, ...any)  {}
func (l *errorLog) Errorf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, v...))
}

func (l *errorLog) has(sub string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.lines {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func (l *errorLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// clusterNode is one server of cluster.conf, run in-process on loopback.
type clusterNode struct {
	name        string
	clientPort  int
	routePort   int
	dir         string // its config, certificate and store
	srv         *server.Server
	log         *errorLog
	certs, keys []byte
}

// localCluster writes cluster.conf for three nodes on loopback: the
// production file with only addresses and paths replaced (the hosts nats-N
// become 127.0.0.1 on a port of their own), each node with a certificate
// of ca for its name and 127.0.0.1.
func localCluster(t *testing.T, ca *natsconf.CA) []*clusterNode {
	t.Helper()
	conf, err := os.ReadFile("cluster.conf")
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := os.ReadFile("accounts.conf")
	if err != nil {
		t.Fatal(err)
	}
	nodes := make([]*clusterNode, 3)
	for i := range nodes {
		nodes[i] = &clusterNode{name: fmt.Sprintf("nats-%d", i+1), clientPort: freePort(t), routePort: freePort(t), dir: t.TempDir(), log: &errorLog{}}
	}
	for _, n := range nodes {
		cert, key, err := ca.Issue(time.Hour, n.name, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		tlsDir := filepath.Join(n.dir, "tls")
		os.Mkdir(tlsDir, 0o700)
		for f, b := range map[string][]byte{"ca.crt": ca.CertPEM, "server.crt": cert, "server.key": key} {
			if err := os.WriteFile(filepath.Join(tlsDir, f), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		pairs := []string{
			"/etc/nats-tls", tlsDir,
			"/data/jetstream", filepath.Join(n.dir, "store"),
			"listen: 0.0.0.0:4222", fmt.Sprintf("listen: 127.0.0.1:%d", n.clientPort),
			"listen: 0.0.0.0:6222", fmt.Sprintf("listen: 127.0.0.1:%d", n.routePort),
			"http: 127.0.0.1:8222", "http: 127.0.0.1:0",
			"http: 0.0.0.0:8222", "http: 127.0.0.1:0", // a config that still exposes it
		}
		for _, o := range nodes {
			pairs = append(pairs, "nats-route://"+o.name+":6222", fmt.Sprintf("nats-route://127.0.0.1:%d", o.routePort))
		}
		local := strings.NewReplacer(pairs...).Replace(string(conf))
		os.WriteFile(filepath.Join(n.dir, "cluster.conf"), []byte(local), 0o600)
		os.WriteFile(filepath.Join(n.dir, "accounts.conf"), accounts, 0o600)
	}
	return nodes
}

func (n *clusterNode) start(t *testing.T) {
	t.Helper()
	t.Setenv("NATS_SERVER_NAME", n.name)
	opts, err := server.ProcessConfigFile(filepath.Join(n.dir, "cluster.conf"))
	if err != nil {
		t.Fatalf("cluster.conf for %s: %v", n.name, err)
	}
	opts.NoSigs = true
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.SetLogger(n.log, false, false)
	s.Start()
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	if !s.ReadyForConnections(20 * time.Second) {
		t.Fatalf("%s not ready", n.name)
	}
	n.srv = s
}

// peers names the servers n has a route to.
func peers(t *testing.T, s *server.Server) map[string]bool {
	t.Helper()
	rz, err := s.Routez(&server.RoutezOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, r := range rz.Routes {
		out[r.RemoteName] = true
	}
	return out
}

func TestClusterConfig(t *testing.T) {
	newUsers(t)
	ca, err := natsconf.NewCA("test CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Certificates and store must exist: the paths are moved to temp dirs.
	node := localCluster(t, ca)[0]
	t.Setenv("NATS_SERVER_NAME", "nats-1")
	opts, err := server.ProcessConfigFile(filepath.Join(node.dir, "cluster.conf"))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case opts.ServerName != "nats-1" || len(opts.Routes) != 3 || !opts.JetStream || opts.Cluster.Name != "webexpipe":
		t.Errorf("cluster.conf: name %q, %d routes, jetstream %v, cluster %q", opts.ServerName, len(opts.Routes), opts.JetStream, opts.Cluster.Name)
	case opts.Cluster.TLSConfig == nil || opts.Cluster.TLSConfig.ClientAuth != tls.RequireAndVerifyClientCert:
		t.Error("cluster.conf: routes without mutual TLS")
	case opts.TLSConfig == nil:
		t.Error("cluster.conf: clients without TLS")
	case opts.HTTPHost != "127.0.0.1":
		t.Errorf("cluster.conf: monitoring on %q, want loopback only", opts.HTTPHost)
	}
}

// TestRogueServerCannotJoin starts the three nodes of cluster.conf, then
// servers that know the cluster's name and a node's route address: one
// without TLS, one with a certificate of another CA. Neither gets a
// route, while a fourth node with a certificate of the deployment's CA
// does.
func TestRogueServerCannotJoin(t *testing.T) {
	newUsers(t)
	ca, err := natsconf.NewCA("test CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	nodes := localCluster(t, ca)
	for _, n := range nodes {
		n.start(t)
	}
	waitfor.True(t, 30*time.Second, "the three nodes route to each other over TLS", func() bool {
		for _, n := range nodes {
			if len(peers(t, n.srv)) != 2 {
				return false
			}
		}
		return true
	})

	other, err := natsconf.NewCA("rogue CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rogueCert, rogueKey, err := other.Issue(time.Hour, "nats-1", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		tls  func(dir string) string // the rogue's cluster tls block
	}{
		{"no TLS", func(string) string { return "" }},
		{"certificate of another CA", func(dir string) string {
			os.WriteFile(filepath.Join(dir, "ca.crt"), other.CertPEM, 0o600)
			os.WriteFile(filepath.Join(dir, "r.crt"), rogueCert, 0o600)
			os.WriteFile(filepath.Join(dir, "r.key"), rogueKey, 0o600)
			return fmt.Sprintf("tls { cert_file: %q, key_file: %q, ca_file: %q, insecure: true }",
				filepath.Join(dir, "r.crt"), filepath.Join(dir, "r.key"), filepath.Join(dir, "ca.crt"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			conf := fmt.Sprintf(`server_name: rogue
listen: 127.0.0.1:-1
jetstream { store_dir: %q }
cluster {
  name: webexpipe
  listen: 127.0.0.1:%d
  %s
  routes: [nats-route://127.0.0.1:%d]
}
`, filepath.Join(dir, "store"), freePort(t), tc.tls(dir), nodes[0].routePort)
			os.WriteFile(filepath.Join(dir, "rogue.conf"), []byte(conf), 0o600)
			opts, err := server.ProcessConfigFile(filepath.Join(dir, "rogue.conf"))
			if err != nil {
				t.Fatal(err)
			}
			opts.NoSigs = true
			rogue, err := server.NewServer(opts)
			if err != nil {
				t.Fatal(err)
			}
			rlog := &errorLog{}
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("rogue's errors: %q\nnats-1's errors: %q", rlog.all(), nodes[0].log.all())
				}
			})
			rogue.SetLogger(rlog, false, false)
			rogue.Start()
			t.Cleanup(func() { rogue.Shutdown(); rogue.WaitForShutdown() })
			waitfor.True(t, 30*time.Second, "the rogue's route refused or accepted", func() bool {
				return nodes[0].log.has("TLS") || rlog.has("route") || rlog.has("TLS") || len(peers(t, rogue)) > 0
			})
			if p := peers(t, rogue); len(p) > 0 {
				t.Errorf("the rogue has routes to %v", p)
			}
			for _, n := range nodes {
				if p := peers(t, n.srv); p["rogue"] || len(p) != 2 {
					t.Errorf("%s routes to %v, want only the other two nodes", n.name, p)
				}
			}
		})
	}

	t.Run("a node with the CA's certificate joins", func(t *testing.T) {
		n := &clusterNode{name: "nats-4", clientPort: freePort(t), routePort: freePort(t), dir: t.TempDir(), log: &errorLog{}}
		// The same file; its routes point at the first three nodes.
		conf, _ := os.ReadFile(filepath.Join(nodes[0].dir, "cluster.conf"))
		local := strings.NewReplacer(
			nodes[0].dir, n.dir,
			fmt.Sprintf("listen: 127.0.0.1:%d", nodes[0].clientPort), fmt.Sprintf("listen: 127.0.0.1:%d", n.clientPort),
			fmt.Sprintf("listen: 127.0.0.1:%d", nodes[0].routePort), fmt.Sprintf("listen: 127.0.0.1:%d", n.routePort),
		).Replace(string(conf))
		cert, key, err := ca.Issue(time.Hour, n.name, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		tlsDir := filepath.Join(n.dir, "tls")
		os.Mkdir(tlsDir, 0o700)
		os.WriteFile(filepath.Join(tlsDir, "ca.crt"), ca.CertPEM, 0o600)
		os.WriteFile(filepath.Join(tlsDir, "server.crt"), cert, 0o600)
		os.WriteFile(filepath.Join(tlsDir, "server.key"), key, 0o600)
		os.WriteFile(filepath.Join(n.dir, "cluster.conf"), []byte(local), 0o600)
		accounts, _ := os.ReadFile("accounts.conf")
		os.WriteFile(filepath.Join(n.dir, "accounts.conf"), accounts, 0o600)
		n.start(t)
		waitfor.True(t, 30*time.Second, "nats-4 routes to the three nodes", func() bool { return len(peers(t, n.srv)) == 3 })
	})
}
