package cards

import (
	"strings"
	"unicode/utf8"
)

// escape makes user-supplied text safe to show inline in a markdown reply:
// line breaks become spaces (so nothing starts a line: no heading, list or
// table), and the characters that format inline text (emphasis, code,
// links, strikethrough, entities, HTML and Webex mentions such as <@all>)
// are backslash-escaped, so a card input can neither format the bot's reply
// nor mention anyone.
func escape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case strings.ContainsRune("\\`*_[]<>~&", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// short cuts s to at most max bytes on a rune boundary, marking the cut.
func short(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
