package adaptive_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/adaptive"
)

func TestParse(t *testing.T) {
	designer, err := os.ReadFile(filepath.Join("testdata", "designer.json"))
	if err != nil {
		t.Fatal(err)
	}
	wrapped, _ := json.Marshal(map[string]any{"contentType": webex.AdaptiveCardContentType, "content": json.RawMessage(designer)})
	tests := []struct {
		name string
		in   []byte
		want error // nil: parsed
	}{
		{name: "card from a designer", in: designer},
		{name: "attachment", in: wrapped},
		{name: "leading space", in: append([]byte("\n  "), designer...)},
		{name: "attachment of another type", in: []byte(`{"contentType":"text/plain","content":{"type":"AdaptiveCard","version":"1.3"}}`), want: adaptive.ErrInvalidCard},
		{name: "empty", in: nil, want: adaptive.ErrInvalidCard},
		{name: "not JSON", in: []byte(`type: AdaptiveCard`), want: adaptive.ErrInvalidCard},
		{name: "a list", in: []byte(`[{"type":"AdaptiveCard","version":"1.3"}]`), want: adaptive.ErrInvalidCard},
		{name: "six buttons", in: []byte(`{"type":"AdaptiveCard","version":"1.3","actions":[` +
			strings.TrimSuffix(strings.Repeat(`{"type":"Action.Submit"},`, 6), ",") + `]}`), want: adaptive.ErrTooManyActions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := adaptive.Parse(tt.in)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("error %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.ContentType != webex.AdaptiveCardContentType {
				t.Errorf("content type %q", a.ContentType)
			}
			// Kept as given: fields the package does not type survive.
			var got, want any
			json.Unmarshal(a.Content, &got)
			json.Unmarshal(designer, &want)
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if !bytes.Equal(g, w) {
				t.Errorf("card changed:\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestLoadFile(t *testing.T) {
	if _, err := adaptive.LoadFile(filepath.Join("testdata", "designer.json")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	os.WriteFile(big, bytes.Repeat([]byte(" "), 2<<20), 0o600)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"type":"AdaptiveCard","version":"2.0"}`), 0o600)
	for name, path := range map[string]string{"missing": filepath.Join(dir, "none.json"), "too large": big, "invalid": bad} {
		t.Run(name, func(t *testing.T) {
			_, err := adaptive.LoadFile(path)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), path) && name != "missing" {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	t.Run("invalid card wraps ErrInvalidCard", func(t *testing.T) {
		if _, err := adaptive.LoadFile(bad); !errors.Is(err, adaptive.ErrInvalidCard) {
			t.Errorf("error %v", err)
		}
	})
}
