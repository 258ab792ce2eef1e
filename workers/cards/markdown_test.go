package cards

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestShort(t *testing.T) {
	if got := short("abc", 5); got != "abc" {
		t.Errorf("short kept %q", got)
	}
	got := short(strings.Repeat("é", 10), 5)
	if !utf8.ValidString(got) || !strings.HasSuffix(got, "…") || len(got) > 5+len("…") {
		t.Errorf("short cut badly: %q", got)
	}
}
