package webex

import "testing"

func TestEscapeMarkdown(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Ana María says hi, m-1. ok", "Ana María says hi, m-1. ok"},
		{"mention of everyone", "<@all>", "&lt;@all&gt;"},
		{"mention by email", "<@personEmail:x@example.com|X>", `&lt;@personEmail:x@example.com\|X&gt;`},
		{"html", "<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"},
		{"entity", "&lt;", "&amp;lt;"},
		{"emphasis and code", "**a** _b_ `c` ~~d~~", `\*\*a\*\* \_b\_ \` + "`" + `c\` + "`" + ` \~\~d\~\~`},
		{"link", "[x](http://e.com)", `\[x\](http://e.com)`},
		{"heading", "# title\n## sub", `\# title` + "\n" + `\#\# sub`},
		{"lists", "- a\n  + b\n1. c\n22) d\n3 e", `\- a` + "\n" + `  \+ b` + "\n" + `1\. c` + "\n" + `22\) d` + "\n" + "3 e"},
		{"setext heading", "title\n===\n---", "title\n" + `\===` + "\n" + `\---`},
		{"quote", "> a", "&gt; a"},
		{"table", "a | b", `a \| b`},
		{"backslash", `a\b`, `a\\b`},
		{"mid-line punctuation stays", "a - b + c = 1. d", "a - b + c = 1. d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EscapeMarkdown(tt.in); got != tt.want {
				t.Errorf("EscapeMarkdown(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
