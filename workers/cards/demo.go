package cards

import (
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/adaptive"
)

// DemoAction is the action value the demo card's submit button carries;
// Demo is registered under it in DefaultRoutes.
const DemoAction = "demo"

// DemoFallback is the text sent with the demo card, shown by clients that
// cannot render cards and in notifications.
const DemoFallback = "Here is a demo form. If you cannot see it, open this space in the Webex app: your client does not show cards."

// The demo form's input ids, and what the replies call them.
const (
	demoName    = "name"
	demoGuests  = "guests"
	demoTopic   = "topic"
	demoUpdates = "updates"
	demoDate    = "date"

	labelName    = "Your name"
	labelGuests  = "How many people"
	labelTopic   = "Topic"
	labelUpdates = "Send me updates"
	labelDate    = "Preferred date"
)

// Limits of the demo form, enforced by the card in the client and again
// by Demo.
const (
	demoNameMax   = 100
	demoGuestsMin = 1
	demoGuestsMax = 20
)

// demoTopics are the choices of the topic input.
var demoTopics = []adaptive.Choice{
	{Title: "Feedback", Value: "feedback"},
	{Title: "Question", Value: "question"},
	{Title: "Idea", Value: "idea"},
}

// DemoCard is the demo form: a text, a number, a choice set, a toggle and a
// date input, and a submit button carrying {"action": DemoAction}. Only the
// name is required.
func DemoCard() adaptive.Card {
	return adaptive.Card{
		Body: []adaptive.Element{
			adaptive.TextBlock{Text: "Demo form", Size: "large", Weight: "bolder"},
			adaptive.TextBlock{Text: "Fill it in and press Send: the cards worker answers in this thread.", Wrap: true, IsSubtle: true},
			adaptive.InputText{ID: demoName, Label: labelName, Placeholder: "Ana", MaxLength: demoNameMax,
				IsRequired: true, ErrorMessage: "Please enter your name."},
			adaptive.InputNumber{ID: demoGuests, Label: labelGuests, Placeholder: "1 to 20",
				Min: adaptive.Num(demoGuestsMin), Max: adaptive.Num(demoGuestsMax),
				ErrorMessage: "A whole number from 1 to 20."},
			adaptive.InputChoiceSet{ID: demoTopic, Label: labelTopic, Style: "compact", Choices: demoTopics, Value: "question"},
			adaptive.InputToggle{ID: demoUpdates, Title: labelUpdates, Value: "false", ValueOn: "true", ValueOff: "false"},
			adaptive.InputDate{ID: demoDate, Label: labelDate},
		},
		Actions: []adaptive.Action{
			adaptive.Submit{Title: "Send", Style: "positive", Data: map[string]any{ActionInput: DemoAction}},
		},
	}
}

// DemoAttachment is the demo card as a message attachment. Send it with
// adaptive.Attach and DemoFallback as the message's markdown.
func DemoAttachment() (webex.Attachment, error) { return DemoCard().Attachment() }
