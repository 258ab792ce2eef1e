package echo

import (
	"html"
	"regexp"
	"slices"
	"strings"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// cardCommands are the messages answered with the demo card instead of an
// echo, compared without case.
var cardCommands = []string{"card", "/card"}

var (
	mentionRE = regexp.MustCompile(`(?is)<spark-mention\b[^>]*>.*?</spark-mention>`)
	tagRE     = regexp.MustCompile(`<[^>]*>`)
)

// isCardCommand reports whether msg asks for the demo card: its text, less
// a mention of the bot, is "card" or "/card". In group rooms a user must
// mention the bot, and Webex puts the bot's name (as the user typed it,
// maybe only its first word) in the text; the html marks the mention, so it
// is preferred when present.
func isCardCommand(msg *webex.Message, bot *webex.Person) bool {
	return slices.Contains(cardCommands, strings.ToLower(commandText(msg, bot)))
}

// commandText is what the user wrote to the bot, without the mention.
func commandText(msg *webex.Message, bot *webex.Person) string {
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
