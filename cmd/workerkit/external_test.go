package workerkit_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBotInItsOwnModule builds a bot the way a bot team would: in a module
// of its own that requires webexpipe (through a replace directive pointing
// at this checkout), importing only public packages. If a package it needs
// were internal, or its API did not fit together, the build fails here.
// The bot's source is testdata/dicebot/main.go.txt (not a .go file, so this
// module's build ignores it).
func TestBotInItsOwnModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/dicebot/main.go.txt")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module example.com/dicebot\n\ngo 1.26.8\n\nrequire github.com/webexpipe/webexpipe v0.0.0\n\nreplace github.com/webexpipe/webexpipe => " + root + "\n"
	for name, b := range map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum, "main.go": src} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "dice-worker")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	build.Dir = dir
	// The module graph comes from this checkout's requirements, all in the
	// module cache already: no network, and go.mod may be completed.
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the bot's own module does not build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("dice-worker --help: %v\n%s", err, out)
	}
	for _, want := range []string{"dice-worker", "WEBEX_TOKEN", "NATS_URL", "WORKER_CONCURRENCY", ":9095"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("--help does not mention %s:\n%s", want, out)
		}
	}
}
