package cards

import (
	"strings"
	"unicode/utf8"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// escape makes user-supplied text safe to show inline in a markdown reply:
// line breaks become spaces (so nothing starts a line: no heading, list or
// table), and the rest is webex.EscapeMarkdown, so a card input can neither
// format the bot's reply nor mention anyone (<@all>).
func escape(s string) string {
	flat := strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)
	return webex.EscapeMarkdown(flat)
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
