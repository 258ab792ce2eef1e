package webex

import "strings"

// EscapeMarkdown makes text a user wrote safe to show inline in a message's
// markdown: line breaks become spaces (so nothing starts a line: no
// heading, list, quote or table), and the characters that format inline
// text (emphasis, code, links, strikethrough, entities, HTML and Webex
// mentions such as <@all> or <@personEmail:...>) are backslash-escaped. The
// user's text can then neither format the bot's message nor make the bot
// mention anyone.
func EscapeMarkdown(s string) string {
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
