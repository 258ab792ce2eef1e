package process

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/metricstest"
)

func TestVersionFlagPrintsTheLinkTimeVersion(t *testing.T) {
	old := version
	version = "v9.8.7-test"
	t.Cleanup(func() { version = old })
	// A VERSION variable in the environment is not the flag.
	t.Setenv("VERSION", "not-a-bool")

	ran := false
	root := &cobra.Command{Use: "some-binary", RunE: func(*cobra.Command, []string) error { ran = true; return nil }}
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"--version"})
	if code := Execute(root); code != 0 {
		t.Fatalf("--version exited %d", code)
	}
	if ran {
		t.Error("--version ran the command")
	}
	want := "some-binary version v9.8.7-test (revision "
	if !strings.HasPrefix(out.String(), want) || !strings.Contains(out.String(), runtime.Version()) {
		t.Errorf("--version printed %q, want it to start with %q and name %s", out.String(), want, runtime.Version())
	}

	ran = false
	root = &cobra.Command{Use: "some-binary", RunE: func(*cobra.Command, []string) error { ran = true; return nil }}
	root.SetArgs([]string{})
	if code := Execute(root); code != 0 || !ran {
		t.Errorf("without --version: exit %d, ran %v; VERSION in the environment must not matter", code, ran)
	}
}

func TestRegistryExportsBuildInfo(t *testing.T) {
	old := version
	version = "v1.2.3"
	t.Cleanup(func() { version = old })
	reg := NewRegistry()
	labels := map[string]string{"version": "v1.2.3", "go_version": runtime.Version()}
	if v := metricstest.Value(t, reg, "webexpipe_build_info", labels); v != 1 {
		t.Errorf("webexpipe_build_info%v = %v, want 1", labels, v)
	}
}

func TestNATSConnectedFollowsTheConnection(t *testing.T) {
	srv := localnats.StartTest(t)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry()
	if err := RegisterNATSConnected(reg, nc); err != nil {
		t.Fatal(err)
	}
	if v := metricstest.Value(t, reg, "webexpipe_nats_connected", nil); v != 1 {
		t.Errorf("connected: webexpipe_nats_connected = %v, want 1", v)
	}
	nc.Close()
	if v, ok := metricstest.Lookup(t, reg, "webexpipe_nats_connected", nil); !ok || v != 0 {
		t.Errorf("closed: webexpipe_nats_connected = %v (found %v), want 0", v, ok)
	}
}
