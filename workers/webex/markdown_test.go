package webex

import "testing"

func TestEscapeMarkdown(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain", "Ana María", "Ana María"},
		{"emphasis and code", "*a* _b_ `c`", `\*a\* \_b\_ \` + "`" + `c\` + "`"},
		{"mention", "<@all>", `\<@all\>`},
		{"link", "[x](y)", `\[x\](y)`},
		{"line breaks cannot start a heading or list", "a\n# b\r\n- c", "a # b  - c"},
		{"entity", "&lt;", `\&lt;`},
		{"backslash", `a\b`, `a\\b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := EscapeMarkdown(tt.in); got != tt.want {
				t.Errorf("EscapeMarkdown(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
