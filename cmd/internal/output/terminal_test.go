package output_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/webexpipe/webexpipe/cmd/internal/output"
)

func TestIsTerminal(t *testing.T) {
	file, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for name, v := range map[string]any{"a file": file, "a pipe": w, "a buffer": new(bytes.Buffer), "nothing": nil} {
		if output.IsTerminal(v) {
			t.Errorf("%s counts as a terminal", name)
		}
	}
	// A character device, as a terminal is; /dev/null is one on every Unix.
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer null.Close()
	if !output.IsTerminal(null) {
		t.Error("a character device does not count as a terminal")
	}
}
