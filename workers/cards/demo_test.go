package cards_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/workers/cards"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/adaptive"
	"github.com/webexpipe/webexpipe/workers/webex/adaptive/adaptivetest"
)

// The demo card must be what Webex accepts and renders: an adaptive card
// 1.3 of known elements and properties, within Webex's limits, with the
// five input types and a submit button routed to the demo handler.
func TestDemoCardShape(t *testing.T) {
	a, err := cards.DemoAttachment()
	if err != nil {
		t.Fatal(err)
	}
	if a.ContentType != webex.AdaptiveCardContentType {
		t.Errorf("content type %q", a.ContentType)
	}
	if err := adaptivetest.Conforms(a.Content); err != nil {
		t.Fatalf("demo card departs from schema 1.3: %v\n%s", err, a.Content)
	}
	if err := adaptive.Check(a); err != nil {
		t.Fatal(err)
	}
	var card struct {
		Type    string `json:"type"`
		Version string `json:"version"`
		Body    []struct {
			Type       string `json:"type"`
			ID         string `json:"id"`
			IsRequired bool   `json:"isRequired"`
		} `json:"body"`
		Actions []struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		} `json:"actions"`
	}
	if err := json.Unmarshal(a.Content, &card); err != nil {
		t.Fatal(err)
	}
	if card.Type != "AdaptiveCard" || card.Version != "1.3" {
		t.Errorf("type %q version %q", card.Type, card.Version)
	}
	inputs := map[string]bool{}
	for _, e := range card.Body {
		if strings.HasPrefix(e.Type, "Input.") {
			inputs[e.Type] = true
		}
		if e.ID == "name" && !e.IsRequired {
			t.Error("the name input is not marked required")
		}
	}
	for _, want := range []string{"Input.Text", "Input.Number", "Input.ChoiceSet", "Input.Toggle", "Input.Date"} {
		if !inputs[want] {
			t.Errorf("the demo card has no %s", want)
		}
	}
	if len(card.Actions) != 1 || card.Actions[0].Type != "Action.Submit" || card.Actions[0].Data[cards.ActionInput] != cards.DemoAction {
		t.Errorf("actions = %+v, want one Action.Submit with data.action %q", card.Actions, cards.DemoAction)
	}
	req := &webex.MessageRequest{RoomID: "r", Markdown: cards.DemoFallback}
	if err := adaptive.Attach(req, a); err != nil {
		t.Errorf("the demo card with its fallback cannot be sent: %v", err)
	}
}

func TestDemo(t *testing.T) {
	full := map[string]any{"action": "demo", "name": "Ana", "guests": "3", "topic": "idea", "updates": "true", "date": "2026-06-01"}
	with := func(changes map[string]any) map[string]any {
		in := map[string]any{}
		for k, v := range full {
			in[k] = v
		}
		for k, v := range changes {
			if v == nil {
				delete(in, k)
			} else {
				in[k] = v
			}
		}
		return in
	}
	tests := []struct {
		name   string
		inputs map[string]any
		want   []string // the reply contains each
		absent []string
	}{
		{name: "everything", inputs: full,
			want: []string{"Thanks, Ana!", "**Your name:** Ana", "**How many people:** 3", "**Topic:** Idea", "**Send me updates:** yes", "**Preferred date:** 2026-06-01"}},
		{name: "only the required name", inputs: map[string]any{"action": "demo", "name": "Bo"},
			want: []string{"Thanks, Bo!", "**How many people:** _not given_", "**Send me updates:** no", "**Preferred date:** _not given_"}},
		{name: "number as a JSON number", inputs: with(map[string]any{"guests": float64(4)}), want: []string{"**How many people:** 4"}},
		{name: "number written 5.0", inputs: with(map[string]any{"guests": "5.0"}), want: []string{"**How many people:** 5"}},
		{name: "name missing", inputs: with(map[string]any{"name": nil}), want: []string{"**Your name** is missing", "press **Send** again"}, absent: []string{"Thanks"}},
		{name: "name blank", inputs: with(map[string]any{"name": "   "}), want: []string{"**Your name** is missing"}},
		{name: "name too long", inputs: with(map[string]any{"name": strings.Repeat("a", 101)}), want: []string{"longer than 100"}},
		{name: "number out of range", inputs: with(map[string]any{"guests": "21"}), want: []string{"whole number from 1 to 20, not “21”"}},
		{name: "number not whole", inputs: with(map[string]any{"guests": "2.5"}), want: []string{"whole number"}},
		{name: "number not a number", inputs: with(map[string]any{"guests": "many"}), want: []string{"not “many”"}},
		{name: "unknown topic", inputs: with(map[string]any{"topic": "spam"}), want: []string{"**Topic** must be one of the choices"}},
		{name: "odd toggle", inputs: with(map[string]any{"updates": "maybe"}), want: []string{"**Send me updates** must be true or false"}},
		{name: "bad date", inputs: with(map[string]any{"date": "01/06/2026"}), want: []string{"**Preferred date** must be a date"}},
		{name: "several problems at once", inputs: with(map[string]any{"name": nil, "guests": "0"}), want: []string{"**Your name** is missing", "**How many people** must be"}},
		{name: "markup in the name is shown, not obeyed", inputs: with(map[string]any{"name": "<@all> **x** [y](http://e.com)"}),
			want: []string{"&lt;@all&gt;", `\*\*x\*\*`, `\[y\](http://e.com)`}, absent: []string{"<@all>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := cards.Demo(context.Background(), &cards.Submission{Action: "demo", Inputs: tt.inputs})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Card != nil {
				t.Error("the demo answers with text only")
			}
			if len(rep.Markdown) > webex.MaxTextBytes {
				t.Errorf("reply is %d bytes", len(rep.Markdown))
			}
			for _, w := range tt.want {
				if !strings.Contains(rep.Markdown, w) {
					t.Errorf("reply lacks %q:\n%s", w, rep.Markdown)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(rep.Markdown, a) {
					t.Errorf("reply has %q:\n%s", a, rep.Markdown)
				}
			}
		})
	}
}
