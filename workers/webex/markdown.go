package webex

import "strings"

// EscapeMarkdown makes untrusted text (what a user typed, a card input, a
// display name) safe to put into a message's markdown: it shows as the
// characters it holds and can neither format the bot's message nor make
// the bot mention anyone. Line breaks are kept.
//
// Characters that open HTML, Webex mentions (<@all>, <@personEmail:...>)
// and entities become entities (&lt; &gt; &amp;): no mention syntax
// survives, whatever Webex parses first. The characters of inline
// formatting (emphasis, code, strikethrough, links, tables, headings) are
// backslash-escaped, and so is what would start a list or a setext
// heading at the beginning of a line. Bare URLs are left alone: Webex links
// them in plain text too.
func EscapeMarkdown(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	lineStart := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		case c == '&':
			b.WriteString("&amp;")
		case strings.IndexByte("\\`*_~[]|#", c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case lineStart && strings.IndexByte("-+=", c) >= 0:
			// "- a" and "+ a" start a list item; a line of "=" or "-"
			// turns the line above into a heading.
			b.WriteByte('\\')
			b.WriteByte(c)
		case lineStart && c >= '0' && c <= '9':
			// "1. a" and "1) a" start an ordered list: escape the
			// delimiter after the digits.
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			b.WriteString(s[i:j])
			if j < len(s) && (s[j] == '.' || s[j] == ')') {
				b.WriteByte('\\')
				b.WriteByte(s[j])
				j++
			}
			i = j - 1
		default:
			b.WriteByte(c)
		}
		// Leading blanks do not end the start of a line: "  - a" is a list
		// item too.
		lineStart = c == '\n' || c == '\r' || (lineStart && (c == ' ' || c == '\t'))
	}
	return b.String()
}
