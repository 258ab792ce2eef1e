package output_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/internal/output"
)

func TestFormatFlags(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		want  output.Format
		fails bool
	}{
		{name: "default", want: output.FormatTable},
		{name: "-o json", args: []string{"-o", "json"}, want: output.FormatJSON},
		{name: "--output=table", args: []string{"--output=table"}, want: output.FormatTable},
		{name: "--json alias", args: []string{"--json"}, want: output.FormatJSON},
		{name: "--json=false", args: []string{"--json=false"}, want: output.FormatTable},
		{name: "the last one wins", args: []string{"--json", "-o", "table"}, want: output.FormatTable},
		{name: "unknown format", args: []string{"-o", "yaml"}, fails: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f output.Format
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			fs.SetOutput(new(bytes.Buffer))
			f.AddFlags(fs)
			err := fs.Parse(tt.args)
			if (err != nil) != tt.fails {
				t.Fatalf("err = %v, want failure %v", err, tt.fails)
			}
			if tt.fails {
				if !strings.Contains(err.Error(), "want table or json") {
					t.Errorf("error does not say what would do: %v", err)
				}
				return
			}
			if f != tt.want || f.JSON() != (tt.want == output.FormatJSON) {
				t.Errorf("format = %q, want %q", f, tt.want)
			}
		})
	}
}

func TestPrintJSON(t *testing.T) {
	var buf bytes.Buffer
	var none []struct{ A int }
	if err := output.PrintJSON(&buf, none); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(buf.String()) != "[]" {
		t.Errorf("a nil list printed as %q, want []", buf.String())
	}
	buf.Reset()
	if err := output.PrintJSONLine(&buf, map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "{\"a\":1}\n" {
		t.Errorf("a stream record printed as %q, want one line", buf.String())
	}
	buf.Reset()
	if err := output.PrintJSON(&buf, []map[string]int{{"a": 1}, {"a": 2}}); err != nil {
		t.Fatal(err)
	}
	var got []map[string]int
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil || len(got) != 2 || got[1]["a"] != 2 {
		t.Errorf("%v: %s", err, buf.String())
	}
}

func TestTable(t *testing.T) {
	var buf bytes.Buffer
	tab := output.NewTable(&buf, "SEQ", "SUBJECT")
	tab.Row(7, "webex.events.messages.created.3")
	tab.Row(12345, "x")
	if buf.Len() != 0 {
		t.Errorf("written before Flush: %q", buf.String())
	}
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "SEQ    SUBJECT") {
		t.Fatalf("table:\n%s", buf.String())
	}
	// Aligned: the second column starts at the same place on every line.
	col := strings.Index(lines[0], "SUBJECT")
	for _, l := range lines[1:] {
		if l[col-2:col] != "  " || l[col] == ' ' {
			t.Errorf("column not aligned at %d: %q", col, l)
		}
	}
}
