package adaptive_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/adaptive"
)

func TestCheck(t *testing.T) {
	card := func(s string) webex.Attachment {
		return webex.Attachment{ContentType: webex.AdaptiveCardContentType, Content: json.RawMessage(s)}
	}
	sub := `{"type":"Action.Submit","title":"x"}`
	tests := []struct {
		name    string
		a       webex.Attachment
		want    error  // nil: valid
		mention string // the error must name this
	}{
		{name: "minimal", a: card(`{"type":"AdaptiveCard","version":"1.3"}`)},
		{name: "older version", a: card(`{"type":"AdaptiveCard","version":"1.0","body":[]}`)},
		{name: "unknown fields and elements pass", a: card(`{"type":"AdaptiveCard","version":"1.3","rtl":true,"body":[{"type":"Media","sources":[]}]}`)},
		{name: "selectAction is not a button", a: card(`{"type":"AdaptiveCard","version":"1.3","body":[{"type":"Container","items":[],"selectAction":` + sub + `}],"actions":[` +
			strings.Repeat(sub+",", 4) + sub + `]}`)},
		{name: "wrong content type", a: webex.Attachment{ContentType: "application/json", Content: json.RawMessage(`{}`)}, want: adaptive.ErrInvalidCard, mention: "content type"},
		{name: "not JSON", a: card(`{"type":`), want: adaptive.ErrInvalidCard, mention: "JSON"},
		{name: "two JSON values", a: card(`{} {}`), want: adaptive.ErrInvalidCard, mention: "JSON"},
		{name: "an array", a: card(`[]`), want: adaptive.ErrInvalidCard, mention: "object"},
		{name: "not an adaptive card", a: card(`{"type":"HeroCard","version":"1.3"}`), want: adaptive.ErrInvalidCard, mention: `"HeroCard"`},
		{name: "no version", a: card(`{"type":"AdaptiveCard"}`), want: adaptive.ErrInvalidCard, mention: "version missing"},
		{name: "version too new", a: card(`{"type":"AdaptiveCard","version":"1.5"}`), want: adaptive.ErrInvalidCard, mention: `"1.5"`},
		{name: "version as a number", a: card(`{"type":"AdaptiveCard","version":1.3}`), want: adaptive.ErrInvalidCard, mention: "version 1.3"},
		{name: "body not a list", a: card(`{"type":"AdaptiveCard","version":"1.3","body":{}}`), want: adaptive.ErrInvalidCard, mention: "card.body"},
		{name: "element without type", a: card(`{"type":"AdaptiveCard","version":"1.3","body":[{"text":"x"}]}`), want: adaptive.ErrInvalidCard, mention: "card.body[0] has no type"},
		{name: "element in actions", a: card(`{"type":"AdaptiveCard","version":"1.3","actions":[{"type":"TextBlock"}]}`), want: adaptive.ErrInvalidCard, mention: "not an action"},
		{name: "six actions", a: card(`{"type":"AdaptiveCard","version":"1.3","actions":[` + strings.Repeat(sub+",", 5) + sub + `]}`), want: adaptive.ErrTooManyActions, mention: "6 actions"},
		{name: "actions of a shown card count", a: card(`{"type":"AdaptiveCard","version":"1.3","actions":[` + strings.Repeat(sub+",", 3) +
			`{"type":"Action.ShowCard","card":{"type":"AdaptiveCard","actions":[` + sub + `,` + sub + `]}}]}`), want: adaptive.ErrTooManyActions},
		{name: "show card without a card", a: card(`{"type":"AdaptiveCard","version":"1.3","actions":[{"type":"Action.ShowCard"}]}`), want: adaptive.ErrInvalidCard, mention: "without a card"},
		{name: "input deep in columns without id", a: card(`{"type":"AdaptiveCard","version":"1.3","body":[{"type":"ColumnSet","columns":[{"type":"Column","items":[{"type":"Input.Date"}]}]}]}`),
			want: adaptive.ErrInvalidCard, mention: "card.body[0].columns[0].items[0]: Input.Date without an id"},
		{name: "same id in the card and a shown card", a: card(`{"type":"AdaptiveCard","version":"1.3","body":[{"type":"Input.Text","id":"a"}],` +
			`"actions":[{"type":"Action.ShowCard","card":{"type":"AdaptiveCard","body":[{"type":"Input.Text","id":"a"}]}}]}`), want: adaptive.ErrInvalidCard, mention: "also used at card.body[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := adaptive.Check(tt.a)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, webex.ErrInvalidRequest) {
				t.Fatalf("error %v, want %v (and webex.ErrInvalidRequest)", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}
