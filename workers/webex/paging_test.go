package webex

import "testing"

func TestNextLink(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   string
		ok     bool
	}{
		{"webex form", `<https://webexapis.com/v1/messages?roomId=r&max=50&beforeMessage=m>; rel="next"`,
			"https://webexapis.com/v1/messages?roomId=r&max=50&beforeMessage=m", true},
		{"unquoted rel", `<https://a.example/x?cursor=1>; rel=next`, "https://a.example/x?cursor=1", true},
		{"next after prev", `<https://a.example/p>; rel="prev", <https://a.example/n>; rel="next"`, "https://a.example/n", true},
		{"next before prev", `<https://a.example/n>; rel="next", <https://a.example/p>; rel="prev"`, "https://a.example/n", true},
		{"several rels", `<https://a.example/n>; rel="last next"`, "https://a.example/n", true},
		{"other params", `<https://a.example/n>; title="x"; REL="Next"`, "https://a.example/n", true},
		{"comma in url", `<https://a.example/n?a=1,2>; rel="next"`, "https://a.example/n?a=1,2", true},
		{"only prev", `<https://a.example/p>; rel="prev"`, "", false},
		{"empty", ``, "", false},
		{"unterminated", `<https://a.example/n; rel="next"`, "", false},
		{"no brackets", `https://a.example/n; rel="next"`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := nextLink(tt.header)
			if got != tt.want || ok != tt.ok {
				t.Errorf("nextLink(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
			}
		})
	}
}
