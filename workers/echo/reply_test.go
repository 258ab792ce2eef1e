package echo

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/webexpipe/webexpipe/workers/webex"
)

func TestReplyMarkdown(t *testing.T) {
	small := []byte(`{"resource":"messages","event":"created","data":{"id":"m1","roomId":"r1"}}`)
	bigData := `{"resource":"messages","event":"created","data":{"id":"m1","pad":"` + strings.Repeat("x", 20000) + `"}}`
	tests := []struct {
		name     string
		mode     Mode
		text     string
		raw      []byte
		contains []string
		absent   []string
	}{
		{name: "both", mode: ModeBoth, text: "hello", raw: small,
			contains: []string{"hello", "```json\n{\n  \"resource\": \"messages\"", `"roomId": "r1"`, "\n```"}},
		{name: "text only", mode: ModeText, text: "hello", raw: small,
			contains: []string{"hello"}, absent: []string{"```"}},
		{name: "webhook only", mode: ModeWebhook, text: "hello", raw: small,
			contains: []string{`"id": "m1"`}, absent: []string{"hello"}},
		{name: "no text", mode: ModeBoth, text: "", raw: small, contains: []string{noText}},
		{name: "huge envelope is cut", mode: ModeBoth, text: "hello", raw: []byte(bigData),
			contains: []string{"hello", "more bytes)", "\n```"}},
		{name: "huge text is cut and the envelope still shows", mode: ModeBoth, text: strings.Repeat("é", 7000), raw: small,
			contains: []string{"more bytes)", `"roomId": "r1"`}},
		{name: "huge text alone", mode: ModeText, text: strings.Repeat("ab", 5000), raw: small, contains: []string{"more bytes)"}},
		{name: "backticks cannot break the fence", mode: ModeWebhook, raw: []byte(`{"data":{"id":"a","x":"` + "```" + `"}}`),
			contains: []string{`\u0060\u0060\u0060`}},
		{name: "a mention in the text is not a mention", mode: ModeText, text: "<@all> <@personEmail:x@example.com> hi", raw: small,
			contains: []string{"&lt;@all&gt;", "&lt;@personEmail:x@example.com&gt;"}, absent: []string{"<@"}},
		{name: "the text cannot format the reply", mode: ModeBoth, text: "# big\n**bold** [link](http://e.com)", raw: small,
			contains: []string{`\# big`, `\*\*bold\*\*`, `\[link\]`}, absent: []string{"\n# big"}},
		{name: "a mention in the webhook is not a mention", mode: ModeWebhook, raw: []byte(`{"data":{"id":"a","x":"<@all>"}}`),
			contains: []string{`\u003c@all\u003e`}, absent: []string{"<@"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := replyMarkdown(tt.mode, tt.text, tt.raw)
			if len(got) > webex.MaxTextBytes {
				t.Fatalf("reply is %d bytes, over the %d limit", len(got), webex.MaxTextBytes)
			}
			if !utf8.ValidString(got) {
				t.Fatal("reply is not valid UTF-8 (cut inside a rune)")
			}
			for _, s := range tt.contains {
				if !strings.Contains(got, s) {
					t.Errorf("reply lacks %q:\n%.400s", s, got)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(got, s) {
					t.Errorf("reply has %q", s)
				}
			}
			if strings.Count(got, "```") != 0 && strings.Count(got, "```") != 2 {
				t.Errorf("unbalanced code fence: %d fences", strings.Count(got, "```"))
			}
		})
	}
}

func TestPrettyJSONKeepsTheValue(t *testing.T) {
	raw := []byte(`{"a":"` + "x`y<@all>&" + `","b":[1,2]}`)
	var want, got any
	json.Unmarshal(raw, &want)
	if err := json.Unmarshal([]byte(prettyJSON(raw)), &got); err != nil {
		t.Fatal(err)
	}
	if w, g := mustJSON(want), mustJSON(got); w != g {
		t.Errorf("value changed: %s != %s", g, w)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
