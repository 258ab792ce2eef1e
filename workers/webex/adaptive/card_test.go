package adaptive_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/adaptive"
	"github.com/webexpipe/webexpipe/workers/webex/adaptive/adaptivetest"
)

// everyKind uses every element and action the package types, with every
// field set, so a misspelt JSON name anywhere fails the schema check.
func everyKind() adaptive.Card {
	return adaptive.Card{
		Body: []adaptive.Element{
			adaptive.TextBlock{Text: "Title", Size: "large", Weight: "bolder", Color: "accent", IsSubtle: true, Wrap: true},
			adaptive.FactSet{Facts: []adaptive.Fact{{Title: "a", Value: "b"}}},
			adaptive.InputText{ID: "t", Label: "Text", Placeholder: "p", Value: "v", IsMultiline: true, MaxLength: 10,
				Style: "email", Regex: ".*", IsRequired: true, ErrorMessage: "e"},
			adaptive.InputNumber{ID: "n", Label: "Number", Placeholder: "p", Value: adaptive.Num(0), Min: adaptive.Num(-1), Max: adaptive.Num(9),
				IsRequired: true, ErrorMessage: "e"},
			adaptive.InputChoiceSet{ID: "c", Label: "Choice", Choices: []adaptive.Choice{{Title: "A", Value: "a"}}, Style: "expanded",
				IsMultiSelect: true, Value: "a", Placeholder: "p", Wrap: true, IsRequired: true, ErrorMessage: "e"},
			adaptive.InputToggle{ID: "g", Title: "Toggle", Label: "L", Value: "yes", ValueOn: "yes", ValueOff: "no", Wrap: true,
				IsRequired: true, ErrorMessage: "e"},
			adaptive.InputDate{ID: "d", Label: "Date", Placeholder: "p", Value: "2026-01-02", Min: "2026-01-01", Max: "2026-12-31",
				IsRequired: true, ErrorMessage: "e"},
			adaptive.Raw(`{"type":"ActionSet","actions":[{"type":"Action.OpenUrl","title":"Docs","url":"https://example.com"}]}`),
		},
		Actions: []adaptive.Action{
			adaptive.Submit{Title: "Send", Data: map[string]any{"action": "x"}, Style: "positive", AssociatedInputs: "auto"},
			adaptive.OpenURL{Title: "Open", URL: "https://example.com"},
		},
	}
}

func TestCardConformsToSchema13(t *testing.T) {
	a, err := everyKind().Attachment()
	if err != nil {
		t.Fatal(err)
	}
	if a.ContentType != webex.AdaptiveCardContentType {
		t.Errorf("content type %q", a.ContentType)
	}
	if err := adaptivetest.Conforms(a.Content); err != nil {
		t.Fatalf("%v\n%s", err, a.Content)
	}
	var got struct {
		Type    string            `json:"type"`
		Version string            `json:"version"`
		Body    []json.RawMessage `json:"body"`
		Actions []json.RawMessage `json:"actions"`
	}
	if err := json.Unmarshal(a.Content, &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != "AdaptiveCard" || got.Version != "1.3" || len(got.Body) != 8 || len(got.Actions) != 2 {
		t.Errorf("card = %s", a.Content)
	}
}

func TestEmptyCardHasABodyList(t *testing.T) {
	a, err := adaptive.Card{}.Attachment()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"AdaptiveCard","$schema":"http://adaptivecards.io/schemas/adaptive-card.json","version":"1.3","body":[]}`; string(a.Content) != want {
		t.Errorf("empty card = %s, want %s", a.Content, want)
	}
}

func TestCardLimits(t *testing.T) {
	submit := func(n int) []adaptive.Action {
		var out []adaptive.Action
		for range n {
			out = append(out, adaptive.Submit{Title: "b"})
		}
		return out
	}
	tests := []struct {
		name string
		card adaptive.Card
		want error // nil: valid
	}{
		{name: "five actions", card: adaptive.Card{Actions: submit(5)}},
		{name: "six actions", card: adaptive.Card{Actions: submit(6)}, want: adaptive.ErrTooManyActions},
		{name: "actions in an action set count", card: adaptive.Card{
			Body:    []adaptive.Element{adaptive.Raw(`{"type":"ActionSet","actions":[{"type":"Action.Submit"},{"type":"Action.Submit"}]}`)},
			Actions: submit(4),
		}, want: adaptive.ErrTooManyActions},
		{name: "input without id", card: adaptive.Card{Body: []adaptive.Element{adaptive.InputText{Label: "x"}}}, want: adaptive.ErrInvalidCard},
		{name: "two inputs with one id", card: adaptive.Card{Body: []adaptive.Element{
			adaptive.InputText{ID: "a"}, adaptive.InputDate{ID: "a"},
		}}, want: adaptive.ErrInvalidCard},
		{name: "raw element that is not an object", card: adaptive.Card{Body: []adaptive.Element{adaptive.Raw(`"text"`)}}, want: adaptive.ErrInvalidCard},
		{name: "raw element that is not JSON", card: adaptive.Card{Body: []adaptive.Element{adaptive.Raw(`{`)}}, want: adaptive.ErrInvalidCard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.card.Attachment()
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("error %v, want %v", err, tt.want)
			case tt.want != nil && !errors.Is(err, webex.ErrInvalidRequest):
				t.Errorf("error %v does not wrap webex.ErrInvalidRequest", err)
			}
		})
	}
}
