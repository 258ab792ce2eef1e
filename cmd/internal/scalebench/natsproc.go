package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/cmd/internal/procrun"
)

// natsServer is one nats-server process with its client and profiling
// ports.
type natsServer struct {
	proc     *procrun.Process
	port     int
	profPort int
}

// cluster is the nats-server processes of one scenario: one, or three in
// a cluster, each with a store of its own.
type cluster struct {
	servers []natsServer
}

// startCluster starts n nats-servers (n is 1 or 3) under dir and waits
// until JetStream answers (for three, until they elected a meta leader).
func startCluster(ctx context.Context, bin, dir string, n int) (*cluster, error) {
	ports := make([]int, 3*n) // client, profiling and route port of each
	for i := range ports {
		p, err := procrun.FreePort()
		if err != nil {
			return nil, err
		}
		ports[i] = p
	}
	c := &cluster{}
	for i := range n {
		name := fmt.Sprintf("nats-%d", i+1)
		conf := filepath.Join(dir, name+".conf")
		if err := os.WriteFile(conf, []byte(serverConf(i, n, ports, filepath.Join(dir, name))), 0o600); err != nil {
			c.stop()
			return nil, err
		}
		p, err := startProcess(dir, name, bin, nil, "-c", conf)
		if err != nil {
			c.stop()
			return nil, err
		}
		c.servers = append(c.servers, natsServer{proc: p, port: ports[3*i], profPort: ports[3*i+1]})
	}
	err := procrun.Poll(ctx, "JetStream", time.Minute, func() bool {
		for _, s := range c.servers {
			if s.proc.Exited() {
				return true
			}
		}
		return jetStreamReady(c.url())
	})
	for _, s := range c.servers {
		if err == nil && s.proc.Exited() {
			err = fmt.Errorf("%s exited at start (see %s)", s.proc.Name, s.proc.LogPath)
		}
	}
	if err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

// eventsCluster is a fresh cluster with the events stream created and a
// client connected to it: what each scenario and ingest run starts from.
type eventsCluster struct {
	*cluster
	nc *nats.Conn
	js jetstream.JetStream
}

// startEventsCluster makes dir, starts a cluster of servers there and
// creates the events stream on it: ingest provisions at start and exits
// if it cannot (a cluster still learning its peers would make it), and
// the feeder publishes before any worker runs. The caller must call stop.
func startEventsCluster(ctx context.Context, cfg config, bins binaries, servers, shards int, dir string) (*eventsCluster, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cl, err := startCluster(ctx, bins.natsServer, dir, servers)
	if err != nil {
		return nil, err
	}
	ec := &eventsCluster{cluster: cl}
	if ec.nc, err = nats.Connect(cl.url(), nats.Name("scalebench")); err != nil {
		cl.stop()
		return nil, err
	}
	if ec.js, err = jetstream.New(ec.nc); err == nil {
		err = createEventsStream(ctx, ec.js, servers, shards, cfg.StartTimeout)
	}
	if err != nil {
		ec.stop()
		return nil, err
	}
	return ec, nil
}

// stop closes the client, then stops the servers.
func (ec *eventsCluster) stop() {
	ec.nc.Close()
	ec.cluster.stop()
}

// serverConf is the configuration of server i of n: loopback ports, a
// store of its own, the profiling port (heap figures) and, in a cluster,
// routes to the others. Storage settings are the server's defaults, as a
// deployment without a sync setting has.
func serverConf(i, n int, ports []int, storeDir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "server_name: s%d\nlisten: 127.0.0.1:%d\nprof_port: %d\n", i+1, ports[3*i], ports[3*i+1])
	fmt.Fprintf(&b, "jetstream {\n  store_dir: %q\n}\n", storeDir)
	if n > 1 {
		var routes []string
		for j := range n {
			if j != i {
				routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[3*j+2]))
			}
		}
		fmt.Fprintf(&b, "cluster {\n  name: scalebench\n  listen: 127.0.0.1:%d\n  routes: [%s]\n}\n", ports[3*i+2], strings.Join(routes, ", "))
	}
	return b.String()
}

// url is every server's client URL, comma-separated, as the binaries take
// NATS_URL.
func (c *cluster) url() string {
	urls := make([]string, len(c.servers))
	for i, s := range c.servers {
		urls[i] = fmt.Sprintf("nats://127.0.0.1:%d", s.port)
	}
	return strings.Join(urls, ",")
}

func (c *cluster) procs() []*procrun.Process {
	ps := make([]*procrun.Process, len(c.servers))
	for i, s := range c.servers {
		ps[i] = s.proc
	}
	return ps
}

func (c *cluster) cpu() float64 { return cpuOf(c.procs()) }

// heapInUse is the Go heap in use summed over the servers right after a
// garbage collection each (see heapAfterGC); an error when a server does
// not answer.
func (c *cluster) heapInUse(ctx context.Context) (int64, error) {
	var sum int64
	for _, s := range c.servers {
		h, err := heapAfterGC(ctx, s.profPort)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", s.proc.Name, err)
		}
		sum += h
	}
	return sum, nil
}

func (c *cluster) stop() { procrun.StopAll(c.procs()) }

func jetStreamReady(url string) bool {
	nc, err := nats.Connect(url, nats.Timeout(time.Second))
	if err != nil {
		return false
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = js.AccountInfo(ctx)
	return err == nil
}

// heapAfterGC reads HeapInuse from the server's heap profile, asking for a
// collection first (gc=1): right after one, the heap in use is the live
// heap (what the server holds for its streams, consumers and
// connections) plus the partly used spans around it, without the garbage
// that happened to be waiting for the next collection. /varz's mem is the
// resident set instead, which also counts freed memory the runtime has
// not returned to the OS yet, so it grows and shrinks with the collector
// rather than with what the server keeps.
func heapAfterGC(ctx context.Context, profPort int) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	url := fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/heap?gc=1&debug=1", profPort)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("heap profile: status %d", resp.StatusCode)
	}
	return parseHeapInUse(resp.Body)
}

// parseHeapInUse finds "# HeapInuse = N" among the runtime.MemStats lines
// that end a text heap profile.
func parseHeapInUse(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "# HeapInuse = "); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("heap profile: no HeapInuse line")
}
