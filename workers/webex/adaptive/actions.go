package adaptive

import "encoding/json"

// Submit is a button that sends the card's inputs to the bot: Webex stores
// an attachment action whose inputs are the input values merged with Data
// (an object), and announces it with an attachmentActions/created webhook.
// Put the handler's name in Data, e.g. {"action": "order"}, so the cards
// worker can route the submission.
type Submit struct {
	Title string         `json:"title"`
	Data  map[string]any `json:"data,omitempty"`
	Style string         `json:"style,omitempty"` // default, positive, destructive
	// AssociatedInputs is "auto" (the default: submit the inputs) or
	// "none" (submit only Data, e.g. for a Cancel button).
	AssociatedInputs string `json:"associatedInputs,omitempty"`
}

func (Submit) action() {}

// MarshalJSON encodes the action with its type.
func (a Submit) MarshalJSON() ([]byte, error) {
	type fields Submit
	return json.Marshal(struct {
		Type string `json:"type"`
		fields
	}{"Action.Submit", fields(a)})
}

// OpenURL is a button that opens URL; the bot is not told.
type OpenURL struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

func (OpenURL) action() {}

// MarshalJSON encodes the action with its type.
func (a OpenURL) MarshalJSON() ([]byte, error) {
	type fields OpenURL
	return json.Marshal(struct {
		Type string `json:"type"`
		fields
	}{"Action.OpenUrl", fields(a)})
}
