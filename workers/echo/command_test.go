package echo

import (
	"slices"
	"testing"

	"github.com/webexpipe/webexpipe/workers/commands"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// isCardCommand is how the echo handler decides to send the demo card: the
// card command (or an alias) with nothing after it.
func isCardCommand(msg *webex.Message, bot *webex.Person) bool {
	cmd, args, _ := commands.Parse(msg, bot)
	return (cmd == cardCommand.Name || slices.Contains(cardCommand.Aliases, cmd)) && args == ""
}

func TestIsCardCommand(t *testing.T) {
	bot := &webex.Person{ID: "bot-id", DisplayName: "Echo Bot"}
	mention := `<spark-mention data-object-type="person" data-object-id="bot-id">Echo Bot</spark-mention>`
	tests := []struct {
		name string
		msg  webex.Message
		want bool
	}{
		{"card", webex.Message{Text: "card"}, true},
		{"slash card", webex.Message{Text: "/card"}, true},
		{"any case and spaces", webex.Message{Text: "  Card \n"}, true},
		{"a sentence", webex.Message{Text: "show me a card"}, false},
		{"cards", webex.Message{Text: "cards"}, false},
		{"empty", webex.Message{}, false},
		{"mention in html", webex.Message{Text: "Echo Bot card", HTML: "<p>" + mention + " card</p>", MentionedPeople: []string{"bot-id"}}, true},
		{"mention in html, then more words", webex.Message{Text: "Echo Bot card now", HTML: "<p>" + mention + " card now</p>", MentionedPeople: []string{"bot-id"}}, false},
		{"mention by full name, no html", webex.Message{Text: "echo bot /card", MentionedPeople: []string{"bot-id"}}, true},
		{"mention by first name, no html", webex.Message{Text: "Echo card", MentionedPeople: []string{"bot-id"}}, true},
		{"name without a mention is text", webex.Message{Text: "Echo card"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isCardCommand(&tt.msg, bot); got != tt.want {
				t.Errorf("isCardCommand(%q) = %v, want %v", tt.msg.Text, got, tt.want)
			}
		})
	}
	t.Run("bot without a name", func(t *testing.T) {
		if isCardCommand(&webex.Message{Text: "x card", MentionedPeople: []string{"bot-id"}}, &webex.Person{ID: "bot-id", DisplayName: " "}) {
			t.Error("want false")
		}
	})
}
