package adaptivetest

import (
	"strings"
	"testing"
)

func TestConforms(t *testing.T) {
	tests := []struct {
		name, card, mention string // mention "": conforms
	}{
		{name: "minimal", card: `{"type":"AdaptiveCard","version":"1.3","body":[{"type":"TextBlock","text":"x"}]}`},
		{name: "misspelt property", card: `{"type":"AdaptiveCard","version":"1.3","body":[{"type":"Input.Text","id":"a","isrequired":true}]}`, mention: `"isrequired"`},
		{name: "wrong value type", card: `{"type":"AdaptiveCard","version":"1.3","body":[{"type":"Input.Text","id":"a","isRequired":"yes"}]}`, mention: "isRequired"},
		{name: "word not allowed", card: `{"type":"AdaptiveCard","version":"1.3","body":[{"type":"Input.ChoiceSet","id":"a","choices":[],"style":"dropdown"}]}`, mention: `"dropdown"`},
		{name: "unknown element", card: `{"type":"AdaptiveCard","version":"1.3","body":[{"type":"Table"}]}`, mention: `"Table"`},
		{name: "choice without value", card: `{"type":"AdaptiveCard","version":"1.3","body":[{"type":"Input.ChoiceSet","id":"a","choices":[{"title":"t"}]}]}`, mention: `"value"`},
		{name: "toggle without title", card: `{"type":"AdaptiveCard","version":"1.3","body":[{"type":"Input.Toggle","id":"a"}]}`, mention: `"title"`},
		{name: "old version", card: `{"type":"AdaptiveCard","version":"1.2"}`, mention: "version"},
		{name: "unknown action", card: `{"type":"AdaptiveCard","version":"1.3","actions":[{"type":"Action.Execute"}]}`, mention: "Action.Execute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Conforms([]byte(tt.card))
			if tt.mention == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("error %v, want one mentioning %s", err, tt.mention)
			}
		})
	}
}
