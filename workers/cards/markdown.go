package cards

import "unicode/utf8"

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
