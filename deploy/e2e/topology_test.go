package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/deploy/natsconf"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

const (
	botToken      = "tok-deploy-3f9a61c0e2b4-never-log-me"
	webhookSecret = "sec-deploy-7c2e90a4d15b-never-log-me"
)

// buildAll builds every binary the compose file runs, and nats-server
// from the module's own dependency, once into dir.
func buildAll(t *testing.T, dir string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", dir+"/",
		"./cmd/ingest", "./cmd/echo-worker", "./cmd/cards-worker", "./cmd/retry-worker",
		"./cmd/membership-worker", "./cmd/webexpipe", "github.com/nats-io/nats-server/v2")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
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

// deployment is compose.yaml running as local processes.
type deployment struct {
	t       *testing.T
	bins    string
	compose composeFile
	vars    map[string]string
	ca      *natsconf.CA
	seeds   map[string]string // user -> seed file

	mu      sync.Mutex        // guards ports and volumes
	ports   map[string]int    // "host:port" of the compose network -> loopback port
	volumes map[string]string // named volume -> directory

	procs map[string]*proc // instance name (nats-1, echo-worker-2) -> process
	sim   *emulator.Server
}

// newDeployment makes the secrets (nkeys, a CA and certificates, the bot
// token and webhook secret) under a SECRETS_DIR of its own, starts the
// emulator, and reads compose.yaml with the variables set.
func newDeployment(t *testing.T, bins string) *deployment {
	t.Helper()
	d := &deployment{t: t, bins: bins, vars: map[string]string{}, seeds: map[string]string{},
		ports: map[string]int{}, volumes: map[string]string{}, procs: map[string]*proc{}}
	secrets := t.TempDir()
	d.vars["SECRETS_DIR"] = secrets
	write := func(rel string, b []byte) {
		p := filepath.Join(secrets, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	users := []string{"sys"}
	for _, r := range events.Roles(events.DefaultSharding()) {
		users = append(users, r.User)
	}
	for _, u := range users {
		seed, pub, err := natsconf.NewUserKey()
		if err != nil {
			t.Fatal(err)
		}
		write("nats/"+u+".nk", seed)
		d.seeds[u] = filepath.Join(secrets, "nats", u+".nk")
		if u == "sys" {
			d.vars[natsconf.SysNKeyVar] = pub
		} else {
			d.vars[natsconf.NKeyVar(u)] = pub
		}
	}
	ca, err := natsconf.NewCA("deploy test CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	d.ca = ca
	write("tls/ca.crt", ca.CertPEM)
	for i := 1; i <= 3; i++ {
		node := fmt.Sprintf("nats-%d", i)
		cert, key, err := ca.Issue(time.Hour, node, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		write("tls/"+node+"/ca.crt", ca.CertPEM)
		write("tls/"+node+"/server.crt", cert)
		write("tls/"+node+"/server.key", key)
	}
	cert, key, err := ca.Issue(time.Hour, "bot.example.com", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	write("web/tls.crt", cert)
	write("web/tls.key", key)
	write("webex_token", []byte(botToken))
	write("webhook_secret", []byte(webhookSecret+"\n"))

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.CertPEM)
	d.sim = emulator.NewTest(t, emulator.Options{Token: botToken, HTTPClient: &http.Client{
		Timeout:   15 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}})
	d.vars["WEBEX_API_URL"] = d.sim.URL()
	d.vars["WEBHOOK_TARGET"] = fmt.Sprintf("https://127.0.0.1:%d/webhooks/webex", d.port("nginx:443"))
	d.vars["WEBHOOK_WATCH_INTERVAL"] = "2s"
	for v := range requiredVars(t) {
		if _, ok := d.vars[v]; !ok {
			t.Fatalf("compose.yaml requires %s, which the test does not provide", v)
		}
	}
	d.compose = loadCompose(t, d.vars)
	return d
}

// port maps a host:port of the compose network to a loopback port.
func (d *deployment) port(hostPort string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if p, ok := d.ports[hostPort]; ok {
		return p
	}
	p := freePort(d.t)
	d.ports[hostPort] = p
	return p
}

func (d *deployment) volume(name string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if dir, ok := d.volumes[name]; ok {
		return dir
	}
	dir := d.t.TempDir()
	d.volumes[name] = dir
	return dir
}

// mounts maps the container paths of a service to host paths: its bind
// mounts (relative to the compose file), named volumes (a directory each)
// and secrets (/run/secrets/<name>).
func (d *deployment) mounts(svcName string) map[string]string {
	svc := d.compose.Services[svcName]
	m := map[string]string{}
	for _, v := range svc.Volumes {
		parts := strings.Split(v, ":")
		src, dst := parts[0], parts[1]
		switch {
		case filepath.IsAbs(src):
			m[dst] = src
		case strings.HasPrefix(src, "."):
			abs, err := filepath.Abs(filepath.Join(composeDir, src))
			if err != nil {
				d.t.Fatal(err)
			}
			m[dst] = abs
		default:
			m[dst] = d.volume(src)
		}
	}
	for _, s := range svc.Secrets {
		f := d.compose.Secrets[s].File
		if f == "" {
			d.t.Fatalf("service %s uses secret %s, which compose.yaml does not define", svcName, s)
		}
		if !filepath.IsAbs(f) {
			f = filepath.Join(composeDir, f)
		}
		m["/run/secrets/"+s] = f
	}
	return m
}

// localize rewrites text from the compose network to this machine: the
// service's container paths become host paths, and every host:port of
// a service becomes 127.0.0.1 and its port.
func (d *deployment) localize(svcName, text string, extra ...string) string {
	m := d.mounts(svcName)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) }) // longest first
	pairs := append([]string{}, extra...)
	for _, k := range keys {
		pairs = append(pairs, k, m[k])
	}
	// Every service name is a host name on the compose network.
	names := make([]string, 0, len(d.compose.Services))
	for n := range d.compose.Services {
		names = append(names, regexp.QuoteMeta(n))
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	re := regexp.MustCompile(`\b(` + strings.Join(names, "|") + `):([0-9]+)\b`)
	text = strings.NewReplacer(pairs...).Replace(text)
	return re.ReplaceAllStringFunc(text, func(hp string) string {
		return "127.0.0.1:" + strconv.Itoa(d.port(hp))
	})
}

// startNATS starts one nats service: cluster.conf (and what it includes)
// as the service sees it, with paths and addresses localized.
func (d *deployment) startNATS(name string) *proc {
	d.t.Helper()
	svc := d.compose.Services[name]
	args := append([]string{}, svc.Command...)
	confDir := filepath.Join(d.volume(name+"-conf"), "etc")
	os.MkdirAll(confDir, 0o700)
	for i := 0; i < len(args)-1; i++ {
		if args[i] != "-c" {
			continue
		}
		host := d.localize(name, args[i+1])
		raw, err := os.ReadFile(host)
		if err != nil {
			d.t.Fatal(err)
		}
		own := []string{
			"0.0.0.0:4222", fmt.Sprintf("127.0.0.1:%d", d.port(name+":4222")),
			"0.0.0.0:6222", fmt.Sprintf("127.0.0.1:%d", d.port(name+":6222")),
			"127.0.0.1:8222", fmt.Sprintf("127.0.0.1:%d", d.port(name+":8222")),
		}
		conf := d.localize(name, string(raw), own...)
		local := filepath.Join(confDir, filepath.Base(host))
		os.WriteFile(local, []byte(conf), 0o600)
		// Included files sit next to the config, as in /etc/nats.
		for _, inc := range regexp.MustCompile(`(?m)^include\s+(\S+)`).FindAllStringSubmatch(string(raw), -1) {
			b, err := os.ReadFile(filepath.Join(filepath.Dir(host), inc[1]))
			if err != nil {
				d.t.Fatal(err)
			}
			os.WriteFile(filepath.Join(confDir, inc[1]), []byte(d.localize(name, string(b))), 0o600)
		}
		args[i+1] = local
	}
	p := startProc(d.t, name, append([]string{filepath.Join(d.bins, "nats-server")}, args...), d.env(name, nil))
	d.procs[name] = p
	return p
}

// env is the service's environment, localized, plus extra.
func (d *deployment) env(svcName string, extra []string) []string {
	var env []string
	for k, v := range d.compose.Services[svcName].Environment {
		env = append(env, k+"="+d.localize(svcName, v))
	}
	return append(env, extra...)
}

// startService starts instance n (1-based) of a webexpipe service. The
// only settings added to the compose file's are listen addresses: ingest's
// mapped port, and no fixed metrics port (they would collide on loopback).
func (d *deployment) startService(svcName string, n int) *proc {
	d.t.Helper()
	svc := d.compose.Services[svcName]
	argv := append([]string{filepath.Join(d.bins, svc.Command[0])}, svc.Command[1:]...)
	extra := []string{"METRICS_ADDR=127.0.0.1:0"}
	if svc.Command[0] == "ingest" {
		extra = append(extra, fmt.Sprintf("LISTEN_ADDR=127.0.0.1:%d", d.port(svcName+":8080")))
	}
	name := svcName
	if svc.Deploy.Replicas > 1 {
		name = fmt.Sprintf("%s-%d", svcName, n)
	}
	p := startProc(d.t, name, argv, d.env(svcName, extra))
	d.procs[name] = p
	return p
}

// waitHTTP polls url until it answers 200.
func waitHTTP(t *testing.T, what, url string) {
	t.Helper()
	waitfor.True(t, 60*time.Second, what, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// admin connects as the admin user, over TLS, for the test's checks.
func (d *deployment) admin() (*nats.Conn, jetstream.JetStream) {
	d.t.Helper()
	auth, err := nats.NkeyOptionFromSeed(d.seeds[events.AdminUser])
	if err != nil {
		d.t.Fatal(err)
	}
	var urls []string
	for i := 1; i <= 3; i++ {
		urls = append(urls, fmt.Sprintf("tls://127.0.0.1:%d", d.port(fmt.Sprintf("nats-%d:4222", i))))
	}
	nc, err := nats.Connect(strings.Join(urls, ","), auth, nats.RootCAs(filepath.Join(d.vars["SECRETS_DIR"], "tls", "ca.crt")),
		nats.CustomInboxPrefix(events.InboxPrefix(events.AdminUser)), nats.MaxReconnects(-1))
	if err != nil {
		d.t.Fatalf("connect as admin: %v", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		d.t.Fatal(err)
	}
	return nc, js
}

// provision runs the provision service until it succeeds, as compose's
// restart: on-failure does while the cluster elects its leaders.
func (d *deployment) provision() {
	d.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for attempt := 1; ; attempt++ {
		p := d.startService("provision", 1)
		<-p.done
		if p.err == nil {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("provision failed %d times; last: %v\n%s", attempt, p.err, tail(p.output(), 20))
		}
		time.Sleep(time.Second) // compose's restart delay; bounded by the deadline
	}
}

// ctx is a context for one check.
func ctx(t *testing.T, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return c
}
