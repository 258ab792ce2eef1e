package cards

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Ana María", "Ana María"},
		{"emphasis and code", "*a* _b_ `c`", `\*a\* \_b\_ \` + "`" + `c\` + "`"},
		{"mention", "<@all>", "&lt;@all&gt;"},
		{"link", "[x](y)", `\[x\](y)`},
		{"line breaks cannot start a heading or list", "a\n# b\r\n- c", `a \# b - c`},
		{"entity", "&lt;", "&amp;lt;"},
		{"backslash", `a\b`, `a\\b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := escape(tt.in); got != tt.want {
				t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestShort(t *testing.T) {
	if got := short("abc", 5); got != "abc" {
		t.Errorf("short kept %q", got)
	}
	got := short(strings.Repeat("é", 10), 5)
	if !utf8.ValidString(got) || !strings.HasSuffix(got, "…") || len(got) > 5+len("…") {
		t.Errorf("short cut badly: %q", got)
	}
}
