package echo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/webexpipe/webexpipe/workers/webex"
)

const (
	textHeading    = "**You said:**\n\n"
	webhookHeading = "**The webhook said:**\n\n"
	fenceOpen      = "```json\n"
	fenceClose     = "\n```"
	noText         = "_(no text)_"
)

// replyMarkdown builds the reply for a message and the raw webhook body. The
// result never exceeds webex.MaxTextBytes: the envelope is cut first, then the
// text, each with a note saying how much was left out. The user's text is
// escaped (webex.EscapeMarkdown): it must neither format the reply nor make
// the bot mention anyone, e.g. everyone with <@all>.
func replyMarkdown(mode Mode, text string, rawWebhook []byte) string {
	if text == "" {
		text = noText
	} else {
		text = webex.EscapeMarkdown(text)
	}
	switch mode {
	case ModeText:
		return cut(textHeading+text, webex.MaxTextBytes)
	case ModeWebhook:
		return webhookHeading + fenced(prettyJSON(rawWebhook), webex.MaxTextBytes-len(webhookHeading))
	}
	// Both: give the text at most half of the budget when the envelope needs
	// the rest, so a long message still shows the webhook.
	sep := "\n\n"
	envelope := prettyJSON(rawWebhook)
	textPart := textHeading + text
	budget := webex.MaxTextBytes - len(sep) - len(webhookHeading)
	need := len(fenceOpen) + len(envelope) + len(fenceClose)
	if len(textPart)+need > budget && len(textPart) > budget/2 {
		textPart = cut(textPart, max(budget/2, budget-need))
	}
	return textPart + sep + webhookHeading + fenced(envelope, budget-len(textPart))
}

// fenced puts s in a JSON code block of at most limit bytes.
func fenced(s string, limit int) string {
	room := limit - len(fenceOpen) - len(fenceClose)
	return fenceOpen + cut(s, room) + fenceClose
}

// cut shortens s to at most limit bytes on a rune boundary, ending with a
// note of how many bytes were dropped.
func cut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	note := fmt.Sprintf("\n… (%d more bytes)", len(s))
	keep := limit - len(note)
	if keep < 0 {
		keep = 0
	}
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return s[:keep] + fmt.Sprintf("\n… (%d more bytes)", len(s)-keep)
}

// prettyJSON indents a JSON body for display. A backtick inside a string
// would close the code fence early, and <, > and & could make a mention or
// HTML should a client not honour the fence, so each is written as its
// JSON escape, which decodes to the same value.
func prettyJSON(raw []byte) string {
	// Outside strings these characters cannot occur in JSON, so the result
	// is valid JSON whenever the input was.
	safe := strings.NewReplacer("`", `\u0060`, "<", `\u003c`, ">", `\u003e`, "&", `\u0026`)
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return safe.Replace(string(raw))
	}
	return safe.Replace(buf.String())
}
