package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/webexpipe/webexpipe/internal/syncbuf"
	"github.com/webexpipe/webexpipe/internal/waitfor"
)

// opsDir holds the dashboard and the alerting rules.
const opsDir = "../../deploy/observability"

// TestOperationsPackUsesExportedMetrics checks that every metric the
// dashboard's panels and the alerting rules query is one the binaries
// export: it runs `webexpipe dev` (ingest and the echo, cards and retry
// workers on one registry) and `webexpipe webhooks watch` in this process,
// as their commands run them, scrapes both /metrics, and looks every
// webexpipe_ name of every query up among the series scraped. A series that
// only appears after its first event would fail here: alerts need it from
// the start, or they miss the first increase.
func TestOperationsPackUsesExportedMetrics(t *testing.T) {
	exported := scrapeDevAndWatchdog(t)

	queries := dashboardQueries(t, filepath.Join(opsDir, "dashboard.json"))
	rules := alertQueries(t, filepath.Join(opsDir, "alerts.yaml"))
	if len(queries) < 10 || len(rules) < 7 {
		t.Fatalf("found %d panel queries and %d alert expressions; the files were not read as meant", len(queries), len(rules))
	}
	name := regexp.MustCompile(`\bwebexpipe_[a-z0-9_]+\b`)
	all := maps.Clone(queries)
	maps.Copy(all, rules)
	for where, expr := range all {
		used := name.FindAllString(expr, -1)
		if len(used) == 0 {
			t.Errorf("%s queries no webexpipe metric: %s", where, expr)
		}
		for _, m := range used {
			if !exported[m] {
				t.Errorf("%s uses %s, which no binary exports", where, m)
			}
		}
	}
}

// scrapeDevAndWatchdog returns the names of the series the two processes'
// /metrics serve.
func scrapeDevAndWatchdog(t *testing.T) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	var devOut syncbuf.Buffer
	devDone := runCommand(ctx, &devOut, "dev", "--data-dir", filepath.Join(dir, "data"), "--nats-port", "-1",
		"--sim-addr", "127.0.0.1:0", "--listen-addr", "127.0.0.1:0", "--webex-webhook-secret", devSecret, "--log-level", "error")
	t.Cleanup(func() {
		cancel()
		if err := <-devDone; err != nil {
			t.Errorf("dev: %v", err)
		}
	})
	var ingestURL, simURL, natsURL string
	waitfor.True(t, 60*time.Second, "dev mode started", func() bool {
		out := devOut.String()
		ingestURL = submatch(out, `ingest\s+(http://\S+?)/webhooks/webex`)
		simURL = submatch(out, `emulated at (http://\S+/v1)`)
		natsURL = submatch(out, `JetStream\s+(nats://\S+)`)
		return ingestURL != "" && simURL != "" && natsURL != ""
	})

	watchAddr := freeAddr(t)
	var watchOut syncbuf.Buffer
	watchDone := runCommand(ctx, &watchOut, "webhooks", "watch", "--nats-url", natsURL, "--webex-token", "emulator-token",
		"--webex-api-url", simURL, "--webhook-name-prefix", devWebhookPrefix, "--metrics-addr", watchAddr)
	t.Cleanup(func() {
		cancel()
		if err := <-watchDone; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("webhooks watch: %v\n%s", err, watchOut.String())
		}
	})

	names := map[string]bool{}
	waitfor.True(t, 30*time.Second, "the watchdog's first round on /metrics", func() bool {
		got, err := scrape("http://" + watchAddr + "/metrics")
		if err != nil {
			return false
		}
		maps.Copy(names, got)
		return got["webexpipe_webhook_active"]
	})
	waitfor.True(t, 30*time.Second, "dev mode's /metrics with the workers' backlog", func() bool {
		got, err := scrape(ingestURL + "/metrics")
		if err != nil {
			return false
		}
		maps.Copy(names, got)
		return got["webexpipe_worker_backlog_pending"]
	})
	return names
}

// runCommand runs `webexpipe args...` in this process until ctx ends; its
// output goes to out.
func runCommand(ctx context.Context, out io.Writer, args ...string) <-chan error {
	root := rootCommand()
	root.SetArgs(args)
	root.SetOut(out)
	root.SetErr(out)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	return done
}

// freeAddr is a loopback address no one listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// scrape reads the names of the samples an exposition lists.
func scrape(url string) (map[string]bool, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	names := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	return names, sc.Err()
}

// dashboardQueries maps "panel <title>/<refId>" to each query of the
// dashboard, rows' nested panels included.
func dashboardQueries(t *testing.T, path string) map[string]string {
	t.Helper()
	type panel struct {
		Title   string  `json:"title"`
		Type    string  `json:"type"`
		Panels  []panel `json:"panels"`
		Targets []struct {
			Expr  string `json:"expr"`
			RefID string `json:"refId"`
		} `json:"targets"`
	}
	var d struct {
		Panels []panel `json:"panels"`
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]string{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, q := range p.Targets {
				out["panel "+p.Title+"/"+q.RefID] = q.Expr
			}
		}
	}
	walk(d.Panels)
	return out
}

// alertQueries maps "alert <name>" to each rule's expression.
func alertQueries(t *testing.T, path string) map[string]string {
	t.Helper()
	var f struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]string{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			out["alert "+r.Alert] = r.Expr
		}
	}
	return out
}

func submatch(s, re string) string {
	if m := regexp.MustCompile(re).FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}
