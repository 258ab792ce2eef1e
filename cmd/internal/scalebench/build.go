package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// build is one set of the binaries under test.
type build struct {
	// Name is "base" or "head"; Ref the commit (head: the working tree's
	// HEAD, "-dirty" when it has changes).
	Name string `json:"name"`
	Ref  string `json:"ref"`
	// EchoWorker and Ingest are the binaries' paths.
	EchoWorker string `json:"-"`
	Ingest     string `json:"-"`
	// ProcessedTTL and DuplicateWindow are the echo worker's defaults, as
	// its --help gives them.
	ProcessedTTL    time.Duration `json:"processed_ttl"`
	DuplicateWindow time.Duration `json:"duplicate_window"`
}

// binaries are what a run needs: nats-server (built once, from the
// working tree's go.mod, so both builds run on the same server) and the
// builds to compare.
type binaries struct {
	natsServer string
	builds     []build
}

// buildAll builds nats-server and the head binaries from the working tree,
// and, when cfg.Base is set, the same binaries from that commit: its tree
// is exported with git archive into a directory under dir (the repository
// itself is left as it is) and removed after the build.
func buildAll(ctx context.Context, cfg config, dir string) (binaries, error) {
	var b binaries
	b.natsServer = filepath.Join(dir, "nats-server")
	if err := goBuild(ctx, cfg.Repo, b.natsServer, "github.com/nats-io/nats-server/v2"); err != nil {
		return b, err
	}
	if cfg.Base != "" {
		base, err := buildBase(ctx, cfg, dir)
		if err != nil {
			return b, err
		}
		b.builds = append(b.builds, base)
	}
	head, err := buildTree(ctx, "head", cfg.Repo, filepath.Join(dir, "head"))
	if err != nil {
		return b, err
	}
	head.Ref = describe(ctx, cfg.Repo)
	b.builds = append(b.builds, head)
	return b, nil
}

func buildBase(ctx context.Context, cfg config, dir string) (build, error) {
	commit, err := git(ctx, cfg.Repo, "rev-parse", "--verify", cfg.Base+"^{commit}")
	if err != nil {
		return build{}, fmt.Errorf("base %q: %w", cfg.Base, err)
	}
	src := filepath.Join(dir, "base-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return build{}, err
	}
	defer os.RemoveAll(src)
	archive := exec.CommandContext(ctx, "git", "-C", cfg.Repo, "archive", "--format=tar", commit)
	untar := exec.CommandContext(ctx, "tar", "-x", "-C", src)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return build{}, err
	}
	untar.Stdin = pipe
	var archiveErr strings.Builder
	archive.Stderr = &archiveErr
	if err := untar.Start(); err != nil {
		return build{}, err
	}
	if err := archive.Run(); err != nil {
		_ = untar.Wait()
		return build{}, fmt.Errorf("git archive %s: %w: %s", commit, err, archiveErr.String())
	}
	if err := untar.Wait(); err != nil {
		return build{}, fmt.Errorf("untar %s: %w", commit, err)
	}
	b, err := buildTree(ctx, "base", src, filepath.Join(dir, "base"))
	b.Ref = shortRef(commit)
	return b, err
}

// buildTree builds echo-worker and ingest of the module at src into out.
func buildTree(ctx context.Context, name, src, out string) (build, error) {
	b := build{Name: name, EchoWorker: filepath.Join(out, "echo-worker"), Ingest: filepath.Join(out, "ingest")}
	if err := goBuild(ctx, src, out+string(filepath.Separator), "./cmd/echo-worker", "./cmd/ingest"); err != nil {
		return b, fmt.Errorf("%s: %w", name, err)
	}
	help, err := exec.CommandContext(ctx, b.EchoWorker, "--help").CombinedOutput()
	if err != nil {
		return b, fmt.Errorf("%s: echo-worker --help: %w", name, err)
	}
	if b.ProcessedTTL, err = helpDefault(string(help), "processed-ttl"); err != nil {
		return b, fmt.Errorf("%s: %w", name, err)
	}
	if b.DuplicateWindow, err = helpDefault(string(help), "duplicate-window"); err != nil {
		return b, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// helpDefault reads the default of a duration flag from a --help text:
// the "(default 26h0m0s)" on the flag's line.
func helpDefault(help, flag string) (time.Duration, error) {
	for line := range strings.Lines(help) {
		if !strings.Contains(line, "--"+flag+" ") {
			continue
		}
		_, rest, ok := strings.Cut(line, "(default ")
		if !ok {
			break
		}
		v, _, _ := strings.Cut(rest, ")")
		return time.ParseDuration(v)
	}
	return 0, fmt.Errorf("no default for --%s in the help", flag)
}

func goBuild(ctx context.Context, dir, out string, pkgs ...string) error {
	cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-o", out}, pkgs...)...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", strings.Join(pkgs, " "), err, b)
	}
	return nil
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	b, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(b)), nil
}

// describe names the working tree: its HEAD, "-dirty" with uncommitted
// changes; "working tree" outside git.
func describe(ctx context.Context, repo string) string {
	ref, err := git(ctx, repo, "describe", "--always", "--dirty", "--abbrev=7")
	if err != nil {
		return "working tree"
	}
	return ref
}

func shortRef(commit string) string { return commit[:min(7, len(commit))] }

// moduleRoot is the directory of the go.mod the go command finds from
// the current directory.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside a Go module")
	}
	return filepath.Dir(mod), nil
}
