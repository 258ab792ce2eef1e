package deploy_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestImage builds the image of deploy/Dockerfile with `make image`, as an
// operator would, and runs one container of it: `webexpipe dev` inside,
// with a user's message sent through the whole pipeline from a second
// process in the same container, as the image's non-root user. It needs
// podman (Debian's package; `.ci/run` installs it) and runs with
// `make test-image`.
func TestImage(t *testing.T) {
	if os.Getenv("WEBEXPIPE_IMAGE_TEST") == "" {
		t.Skip("builds and runs the container image: make test-image (WEBEXPIPE_IMAGE_TEST=1)")
	}
	podman, err := exec.LookPath("podman")
	if err != nil {
		t.Skip("podman is not installed: the image cannot be built here")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	// Sandboxes and CI runners often may not raise the container's
	// resource limits or use the systemd cgroup manager: no default
	// ulimits, runc and cgroupfs work where podman's defaults do not. These
	// are the test machine's settings, not the image's.
	conf := filepath.Join(t.TempDir(), "containers.conf")
	if err := os.WriteFile(conf, []byte("[containers]\ndefault_ulimits = []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	engine := []string{podman, "--cgroup-manager=cgroupfs"}
	if _, err := exec.LookPath("runc"); err == nil {
		engine = append(engine, "--runtime", "runc")
	}
	env := append(os.Environ(), "CONTAINERS_CONF="+conf)
	tag := "webexpipe:imagetest"
	podmanCmd := func(ctx context.Context, args ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, engine[0], append(engine[1:], args...)...)
		cmd.Env = env
		return cmd
	}

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "make", "image", "IMAGE="+tag, "IMAGE_CTX="+filepath.Join(t.TempDir(), "ctx"),
		"IMAGE_ENGINE="+strings.Join(engine, " "))
	build.Dir = root
	build.Env = env
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make image: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = podmanCmd(context.Background(), "rmi", "-f", tag).Run() })

	out, err := podmanCmd(ctx, "image", "inspect", "--format", "{{.Config.User}}", tag).Output()
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	if user := strings.TrimSpace(string(out)); user != "65532:65532" {
		t.Errorf("image user %q, want the numeric 65532:65532 (the kubelet cannot check runAsNonRoot against a name)", user)
	}

	name := "webexpipe-imagetest-" + strings.ReplaceAll(time.Now().Format("150405.000"), ".", "")
	run := podmanCmd(ctx, "run", "--rm", "--name", name, "--network", "host", tag,
		"webexpipe", "dev", "--nats-port", "-1", "--sim-addr", "127.0.0.1:0", "--listen-addr", "127.0.0.1:0",
		"--data-dir", "/spool/data", "--webex-webhook-secret", "image-test-secret")
	stdout, err := run.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	run.Stderr = &stderr
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = podmanCmd(context.Background(), "rm", "-f", name).Run()
		_ = run.Wait()
		if t.Failed() {
			t.Logf("container stderr:\n%s", stderr.String())
		}
	})
	simURL := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`emulated at (http://\S+)/v1`)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				simURL <- m[1]
			}
		}
	}()
	var url string
	select {
	case url = <-simURL:
	case <-time.After(2 * time.Minute):
		t.Fatal("webexpipe dev in the container did not report the emulator within 2 minutes")
	}
	send, err := podmanCmd(ctx, "exec", name, "webexpipe", "sim", "send", "--sim-url", url, "--timeout", "30s", "hello from a container").CombinedOutput()
	if err != nil {
		t.Fatalf("sim send in the container: %v\n%s", err, send)
	}
	if !strings.Contains(string(send), "hello from a container") {
		t.Errorf("sim send printed no echo reply:\n%s", send)
	}
}
