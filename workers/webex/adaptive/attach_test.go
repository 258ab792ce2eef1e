package adaptive_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/adaptive"
)

func TestAttach(t *testing.T) {
	good, err := adaptive.Card{Body: []adaptive.Element{adaptive.TextBlock{Text: "hi"}}}.Attachment()
	if err != nil {
		t.Fatal(err)
	}
	bad := webex.Attachment{ContentType: webex.AdaptiveCardContentType, Content: json.RawMessage(`{"type":"AdaptiveCard"}`)}
	tests := []struct {
		name string
		req  *webex.MessageRequest
		card webex.Attachment
		want error // nil: attached
	}{
		{name: "markdown fallback", req: &webex.MessageRequest{RoomID: "r", Markdown: "a card"}, card: good},
		{name: "text fallback", req: &webex.MessageRequest{ToPersonEmail: "a@example.com", Text: "a card"}, card: good},
		{name: "nil request", req: nil, card: good, want: webex.ErrInvalidRequest},
		{name: "no fallback", req: &webex.MessageRequest{RoomID: "r"}, card: good, want: adaptive.ErrNoFallback},
		{name: "second card", req: &webex.MessageRequest{RoomID: "r", Text: "x", Attachments: []webex.Attachment{good}}, card: good, want: adaptive.ErrTooManyCards},
		{name: "fallback too long", req: &webex.MessageRequest{RoomID: "r", Markdown: strings.Repeat("x", webex.MaxTextBytes+1)}, card: good, want: webex.ErrInvalidRequest},
		{name: "no destination", req: &webex.MessageRequest{Text: "x"}, card: good, want: webex.ErrInvalidRequest},
		{name: "invalid card", req: &webex.MessageRequest{RoomID: "r", Text: "x"}, card: bad, want: adaptive.ErrInvalidCard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before webex.MessageRequest
			if tt.req != nil {
				before = *tt.req
			}
			err := adaptive.Attach(tt.req, tt.card)
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(tt.req.Attachments) != 1 || string(tt.req.Attachments[0].Content) != string(tt.card.Content) {
					t.Errorf("attachments = %+v", tt.req.Attachments)
				}
				return
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, webex.ErrInvalidRequest) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if tt.req != nil && !reflect.DeepEqual(*tt.req, before) {
				t.Error("the request changed although Attach failed")
			}
		})
	}
}
