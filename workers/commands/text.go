package commands

import (
	"html"
	"regexp"
	"slices"
	"strings"

	"github.com/webexpipe/webexpipe/workers/webex"
)

var (
	mentionRE = regexp.MustCompile(`(?is)<spark-mention\b[^>]*>.*?</spark-mention>`)
	tagRE     = regexp.MustCompile(`<[^>]*>`)
)

// CommandText is what the user wrote to bot in msg, without the mention of
// the bot. In group rooms a user must mention the bot, and Webex puts the
// bot's name (as the user typed it, maybe only its first word) in the
// text; the message's html marks the mention, so it is preferred when
// present.
func CommandText(msg *webex.Message, bot *webex.Person) string {
	if strings.Contains(msg.HTML, "<spark-mention") {
		plain := tagRE.ReplaceAllString(mentionRE.ReplaceAllString(msg.HTML, " "), " ")
		return strings.TrimSpace(html.UnescapeString(plain))
	}
	text := strings.TrimSpace(msg.Text)
	names := strings.Fields(bot.DisplayName)
	if !slices.Contains(msg.MentionedPeople, bot.ID) || len(names) == 0 {
		return text
	}
	for _, name := range []string{strings.Join(names, " "), names[0]} {
		if len(text) >= len(name) && strings.EqualFold(text[:len(name)], name) {
			return strings.TrimSpace(text[len(name):])
		}
	}
	return text
}

// Parse reads msg as a command to bot: the first word of what the user
// wrote (CommandText) in lower case, the rest trimmed, and the text itself.
func Parse(msg *webex.Message, bot *webex.Person) (command, args, text string) {
	text = CommandText(msg, bot)
	command, args = split(text)
	return command, args, text
}

// split cuts text into its command word, in lower case, and the rest.
func split(text string) (command, args string) {
	text = strings.TrimSpace(text)
	i := strings.IndexFunc(text, isSpace)
	if i < 0 {
		return strings.ToLower(text), ""
	}
	return strings.ToLower(text[:i]), strings.TrimSpace(text[i:])
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }
