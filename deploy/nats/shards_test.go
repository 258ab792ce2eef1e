package natsconf_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/deploy/natsconf"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// TestShardedUsers runs the ingest and echo-worker binaries as their own
// users against a server whose users were generated for three shards
// (natsgen -shards 3): ingest stores a message on each shard's stream and
// the echo worker, with EVENTS_SHARDS=3, answers every one of them.
func TestShardedUsers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the ingest and echo-worker binaries")
	}
	sharding := events.Sharding{Shards: 3, Partitions: events.DefaultPartitions}
	bins := buildBinaries(t, "./cmd/ingest", "./cmd/echo-worker")

	u := newUsers(t)
	url := startSingleFrom(t, shardedConfig(t, sharding))
	_, admin := connect(t, url, u, events.AdminUser)
	o := events.DefaultStreamOptions()
	o.Sharding = sharding
	if err := events.Provision(ctx(t), admin, o); err != nil {
		t.Fatalf("admin provisions three shards: %v", err)
	}

	const secret = "sharded-webhook-secret"
	sim := emulator.NewTest(t, emulator.Options{})
	nats := func(user string) []string {
		return []string{"NATS_URL=" + url, "NATS_NKEY_SEED=" + u[user], "NATS_INBOX_PREFIX=" + events.InboxPrefix(user),
			"PROVISION=false", "EVENTS_SHARDS=" + strconv.Itoa(sharding.Shards), "NATS_CONNECT_TIMEOUT=0"}
	}
	ingestAddr := freeAddr(t)
	startBinary(t, filepath.Join(bins, "ingest"), append(nats(events.IngestUser),
		"LISTEN_ADDR="+ingestAddr, "WEBEX_WEBHOOK_SECRET="+secret, "PARTITIONS="+strconv.Itoa(sharding.Partitions)))
	startBinary(t, filepath.Join(bins, "echo-worker"), append(nats("echo"),
		"WEBEX_TOKEN="+sim.Token(), "WEBEX_API_URL="+sim.URL(), "METRICS_ADDR="+freeAddr(t), "START_AT=all",
		"WORKER_PARTITIONS="+strconv.Itoa(sharding.Partitions)))
	waitReady(t, "ingest ready with every shard", ingestAddr)

	api, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: sim.Token()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateWebhook(ctx(t), webex.WebhookRequest{Name: "sharded", TargetURL: "http://" + ingestAddr + "/webhooks/webex",
		Resource: "messages", Event: "created", Secret: secret}); err != nil {
		t.Fatal(err)
	}
	// A room on a partition of each shard, each a direct room of a user
	// of its own.
	rooms := make([]string, sharding.Shards)
	for i, found := 0, 0; found < sharding.Shards; i++ {
		room := fmt.Sprintf("sharded-room-%d", i)
		if k := sharding.Of(events.Partition(room, sharding.Partitions)); rooms[k] == "" {
			rooms[k] = room
			found++
		}
	}
	for k, room := range rooms {
		if _, err := sim.PostAsUser(emulator.UserMessage{RoomID: room, PersonEmail: fmt.Sprintf("user-%d@example.com", k),
			Text: fmt.Sprintf("hello shard %d", k)}); err != nil {
			t.Fatal(err)
		}
	}

	for k, stream := range sharding.Streams() {
		waitfor.True(t, 20*time.Second, "ingest stored the message of shard "+strconv.Itoa(k)+" in "+stream, func() bool {
			st, err := admin.Stream(ctx(t), stream)
			return err == nil && st.CachedInfo().State.Msgs >= 1
		})
	}
	for k, room := range rooms {
		waitfor.True(t, 30*time.Second, fmt.Sprintf("echo answered the message on shard %d (%s)", k, sharding.StreamOf(events.Partition(room, sharding.Partitions))), func() bool {
			for _, m := range sim.BotMessages(room) {
				if strings.Contains(m.Text, fmt.Sprintf("hello shard %d", k)) {
					return true
				}
			}
			return false
		})
	}
}

// shardedConfig writes single.conf, and the accounts.conf natsgen
// generates for s, to a directory of the test's, and returns the path of
// the server configuration.
func shardedConfig(t *testing.T, s events.Sharding) string {
	t.Helper()
	return configFor(t, events.Roles(s))
}

// configFor writes single.conf, and the accounts.conf of roles, to a
// directory of the test's, and returns the path of the server
// configuration.
func configFor(t *testing.T, roles []events.Role) string {
	t.Helper()
	dir := t.TempDir()
	conf, err := os.ReadFile("single.conf")
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"single.conf": conf, "accounts.conf": natsconf.Accounts(roles)} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "single.conf")
}

// buildBinaries builds the commands pkgs (paths from the repository's
// root) into a directory of the test's, and returns it.
func buildBinaries(t *testing.T, pkgs ...string) string {
	t.Helper()
	bins := t.TempDir()
	build := exec.Command("go", append([]string{"build", "-o", bins + "/"}, pkgs...)...)
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bins
}

// waitReady waits until the binary listening on addr answers /readyz with
// 200.
func waitReady(t *testing.T, what, addr string) {
	t.Helper()
	waitfor.True(t, 30*time.Second, what, func() bool {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// freeAddr is a loopback address with a free port.
func freeAddr(t *testing.T) string {
	t.Helper()
	return "127.0.0.1:" + strconv.Itoa(freePort(t))
}

// startBinary runs the binary at path with exactly env (and PATH, HOME,
// TMPDIR) until the test ends: then it is sent SIGTERM and waited for.
// Its output is shown when the test failed.
func startBinary(t *testing.T, path string, env []string) {
	t.Helper()
	cmd := exec.Command(path)
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	var mu sync.Mutex // guards out
	var out strings.Builder
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			mu.Lock()
			out.WriteString(sc.Text() + "\n")
			mu.Unlock()
		}
	}()
	exited := make(chan error, 1)
	go func() {
		exited <- cmd.Wait()
		pw.Close()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		<-read
		if t.Failed() {
			mu.Lock()
			defer mu.Unlock()
			t.Logf("--- %s output:\n%s", filepath.Base(path), out.String())
		}
	})
}
