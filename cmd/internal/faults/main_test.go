package faults

import (
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

// binDir holds the binaries built once for every test of the package.
var binDir string

// TestMain builds nothing itself (the first test that needs a binary does)
// but owns the directory, and checks after every test and cleanup ran that
// no goroutine of the in-process parts (embedded nats-server, emulator,
// clients) outlived them.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "webexpipe-faults-")
	if err != nil {
		panic(err)
	}
	binDir = filepath.Join(dir, "bin")
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			os.Stderr.WriteString("goleak: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}
