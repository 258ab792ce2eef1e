package process

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestOldName(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    []string
		warned  bool
		wantErr string // in the error, when one is wanted
	}{
		{name: "neither", want: []string{"a/created"}},
		{name: "new variable", env: map[string]string{"NEW_LIST": "b"}, want: []string{"b"}},
		{name: "old variable", env: map[string]string{"OLD_LIST": "c/created,d/all"}, want: []string{"c/created", "d/all"}, warned: true},
		{name: "old variable empty", env: map[string]string{"OLD_LIST": ""}, want: []string{}, warned: true},
		{name: "old flag", args: []string{"--old-list", "e"}, want: []string{"e"}, warned: true},
		{name: "both variables", env: map[string]string{"OLD_LIST": "c", "NEW_LIST": "c"}, wantErr: "set only NEW_LIST"},
		{name: "new flag and old variable", args: []string{"--new-list", "f"}, env: map[string]string{"OLD_LIST": "c"}, wantErr: "OLD_LIST (--old-list) is the deprecated name of NEW_LIST"},
		{name: "both flags", args: []string{"--old-list", "e", "--new-list", "f"}, wantErr: "set only NEW_LIST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			var list []string
			fs.StringSliceVar(&list, "new-list", []string{"a/created"}, "the list")
			AddOldName(fs, "new-list", "old-list")
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			err := BindEnv(fs, func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("BindEnv = %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(list, tt.want) {
				t.Errorf("list = %q, want %q", list, tt.want)
			}
			var buf bytes.Buffer
			WarnOldNames(fs, slog.New(slog.NewTextHandler(&buf, nil)))
			warnings := strings.Count(buf.String(), "level=WARN")
			switch {
			case tt.warned && (warnings != 1 || !strings.Contains(buf.String(), "OLD_LIST (--old-list) is deprecated") || !strings.Contains(buf.String(), "NEW_LIST")):
				t.Errorf("want one warning naming both names:\n%s", buf.String())
			case !tt.warned && warnings != 0:
				t.Errorf("warned though the old name was not used:\n%s", buf.String())
			}
		})
	}
}

// TestOldNameValueIsCheckedAsTheNewOne: a bad value under the old name is
// refused like one under the new name, naming the variable given.
func TestOldNameValueIsCheckedAsTheNewOne(t *testing.T) {
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	var d int
	fs.IntVar(&d, "new-count", 3, "a count")
	AddOldName(fs, "new-count", "old-count")
	err := BindEnv(fs, func(k string) (string, bool) {
		if k == "OLD_COUNT" {
			return "many", true
		}
		return "", false
	})
	if err == nil || !strings.Contains(err.Error(), "OLD_COUNT=many") || !strings.Contains(err.Error(), "whole number") {
		t.Errorf("BindEnv = %v, want OLD_COUNT named and what would do", err)
	}
	DescribeEnv(fs)
	if u := fs.Lookup("old-count").Usage; !strings.Contains(u, "deprecated") || !strings.Contains(u, "(env OLD_COUNT)") {
		t.Errorf("--help of the old name: %q", u)
	}
}
