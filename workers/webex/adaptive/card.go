package adaptive

import (
	"encoding/json"
	"fmt"

	"github.com/webexpipe/webexpipe/workers/webex"
)

const (
	// Version is the schema version of the cards this package builds: the
	// newest Webex renders.
	Version = "1.3"
	// SchemaURL is the card schema's $schema, as the designers write it.
	SchemaURL = "http://adaptivecards.io/schemas/adaptive-card.json"
	// MaxActions is the most buttons (actions) Webex accepts on one card.
	MaxActions = 5
)

// Card is an adaptive card built in Go. Body holds what is shown, top to
// bottom; Actions are the buttons below it. The zero value is an empty card.
// Card.Attachment encodes and checks it.
type Card struct {
	Body    []Element
	Actions []Action
}

// Element is something shown in a card's body: TextBlock, FactSet, the
// Input types, or Raw JSON for anything else of the schema.
type Element interface {
	element()
}

// Action is a button: Submit, OpenURL, or Raw JSON for another kind.
type Action interface {
	action()
}

// MarshalJSON encodes the card with its type, schema and Version.
func (c Card) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type    string    `json:"type"`
		Schema  string    `json:"$schema"`
		Version string    `json:"version"`
		Body    []Element `json:"body"`
		Actions []Action  `json:"actions,omitempty"`
	}{"AdaptiveCard", SchemaURL, Version, nonNil(c.Body), c.Actions})
}

// Attachment encodes the card as a message attachment and checks it (see
// Check). The error wraps ErrInvalidCard or one of its kinds.
func (c Card) Attachment() (webex.Attachment, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return webex.Attachment{}, fmt.Errorf("%w: encode: %v", ErrInvalidCard, err)
	}
	a := webex.Attachment{ContentType: webex.AdaptiveCardContentType, Content: b}
	if err := Check(a); err != nil {
		return webex.Attachment{}, err
	}
	return a, nil
}

// nonNil makes an empty body encode as [] rather than null.
func nonNil(b []Element) []Element {
	if b == nil {
		return []Element{}
	}
	return b
}
