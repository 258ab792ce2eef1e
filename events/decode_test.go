package events

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestDecodeEdgeCases pins the corners of Decode's contract that a
// hand-written scanner could get wrong. Every case is also checked against
// decodeReference, the implementation Decode replaced.
func TestDecodeEdgeCases(t *testing.T) {
	const ok = `"resource":"messages","event":"created"`
	withData := func(data string) string { return `{` + ok + `,"data":` + data + `}` }
	nested := func(open, close string, n int) string {
		return withData(`{"id":"1","x":` + strings.Repeat(open, n) + `1` + strings.Repeat(close, n) + `}`)
	}
	manyKeys := func(n int, last string) string {
		var b strings.Builder
		b.WriteString(`{` + ok + `,"data":{"id":"1"}`)
		for i := range n {
			fmt.Fprintf(&b, `,"k%d":%d`, i, i)
		}
		return b.String() + last + `}`
	}
	list := func(n int, last string) string {
		return `[` + strings.Repeat(`"p",`, n) + last + `]`
	}
	tests := []struct {
		name    string
		body    string
		wantErr error
		check   func(t *testing.T, env *Envelope)
	}{
		{name: "escaped keys name fields", body: `{"resourc\u0065":"messages","\u0065vent":"created","d\u0061ta":{"\u0069d":"1"}}`,
			check: func(t *testing.T, env *Envelope) { wantString(t, "data.id", env.Data.ID, "1") }},
		{name: "escapes in values", body: withData(`{"id":"a\"\\\/\b\f\n\r\t\u00e9\u0000z"}`),
			check: func(t *testing.T, env *Envelope) { wantString(t, "data.id", env.Data.ID, "a\"\\/\b\f\n\r\té\x00z") }},
		{name: "surrogate pair", body: withData(`{"id":"\ud83d\ude00"}`),
			check: func(t *testing.T, env *Envelope) { wantString(t, "data.id", env.Data.ID, "😀") }},
		{name: "surrogate pairs in upper case", body: withData(`{"id":"\uD800\uDC00\uDBFF\uDFFF"}`),
			check: func(t *testing.T, env *Envelope) { wantString(t, "data.id", env.Data.ID, "\U00010000\U0010FFFF") }},
		{name: "lone high surrogate", body: withData(`{"id":"\ud800"}`), wantErr: ErrMalformedJSON},
		{name: "lone low surrogate", body: withData(`{"id":"\udc00"}`), wantErr: ErrMalformedJSON},
		{name: "low surrogate before high", body: withData(`{"id":"\udc00\ud800"}`), wantErr: ErrMalformedJSON},
		{name: "high surrogate before a letter", body: withData(`{"id":"\ud83d\u0041"}`), wantErr: ErrMalformedJSON},
		{name: "high surrogate before a pair", body: withData(`{"id":"\ud800\ud800\udc00"}`), wantErr: ErrMalformedJSON},
		{name: "high surrogate before a raw character", body: withData(`{"id":"\ud800x"}`), wantErr: ErrMalformedJSON},
		{name: "lone surrogate in an ignored field", body: withData(`{"id":"1","personDisplayName":"Zo\ud83d"}`), wantErr: ErrMalformedJSON},
		{name: "lone surrogate deeper", body: withData(`{"id":"1","x":[{"y":"\udfff"}]}`), wantErr: ErrMalformedJSON},
		{name: "escaped backslash before u is no escape", body: withData(`{"id":"\\ud800"}`),
			check: func(t *testing.T, env *Envelope) { wantString(t, "data.id", env.Data.ID, `\ud800`) }},
		{name: "UTF-8 text kept as is", body: withData(`{"id":"1","personDisplayName":"Zoë 😀"}`),
			check: func(t *testing.T, env *Envelope) {
				wantString(t, "personDisplayName", env.Data.PersonDisplayName, "Zoë 😀")
			}},
		{name: "escaped resource still checked as a token", body: `{"resource":"m\u0065ssages","event":"cr\u00e9ated","data":{"id":"1"}}`, wantErr: ErrUnsafeToken},

		{name: "duplicate key through an escape", body: `{"id":"1","\u0069d":"2",` + ok + `,"data":{"id":"1"}}`, wantErr: ErrMalformedJSON},
		{name: "duplicate data key through an escape", body: withData(`{"id":"1","\u0069d":"2"}`), wantErr: ErrMalformedJSON},
		{name: "lone surrogates in keys are one key", body: withData(`{"id":"1","\ud800":1,"\udfff":2}`), wantErr: ErrMalformedJSON},
		{name: "U+FFFD and a lone surrogate are one key", body: withData(`{"id":"1","\ufffd":1,"\ud800":2}`), wantErr: ErrMalformedJSON},
		{name: "duplicate data", body: `{` + ok + `,"data":{"id":"1"},"data":{"id":"2"}}`, wantErr: ErrMalformedJSON},
		{name: "duplicates deeper are fine", body: withData(`{"id":"1","x":{"a":1,"a":2},"data":{"id":"2","id":"3"}}`),
			check: func(t *testing.T, env *Envelope) { wantString(t, "data.id", env.Data.ID, "1") }},
		{name: "many distinct keys", body: manyKeys(200, ""),
			check: func(t *testing.T, env *Envelope) { wantString(t, "data.id", env.Data.ID, "1") }},
		{name: "duplicate among many keys", body: manyKeys(200, `,"k3":0`), wantErr: ErrMalformedJSON},
		{name: "duplicate among many keys, found after the switch", body: manyKeys(200, `,"k199":0`), wantErr: ErrMalformedJSON},
		{name: "duplicate of resource among many keys", body: manyKeys(100, `,"resourc\u0065":"rooms"`), wantErr: ErrMalformedJSON},

		{name: "nesting at the limit, arrays", body: nested("[", "]", MaxDepth-2),
			check: func(t *testing.T, env *Envelope) {}},
		{name: "nesting one past the limit, arrays", body: nested("[", "]", MaxDepth-1), wantErr: ErrMalformedJSON},
		{name: "nesting at the limit, objects", body: nested(`{"a":`, "}", MaxDepth-2),
			check: func(t *testing.T, env *Envelope) {}},
		{name: "nesting one past the limit, objects", body: nested(`{"a":`, "}", MaxDepth-1), wantErr: ErrMalformedJSON},

		{name: "numbers", body: `{` + ok + `,"a":[-0,1e5,1E+5,-1.5e-3,0.25,123],"data":{"id":"1"}}`,
			check: func(t *testing.T, env *Envelope) {}},
		{name: "leading zero", body: `{` + ok + `,"a":01,"data":{"id":"1"}}`, wantErr: ErrMalformedJSON},
		{name: "bare minus", body: `{` + ok + `,"a":-,"data":{"id":"1"}}`, wantErr: ErrMalformedJSON},
		{name: "no digit after the point", body: `{` + ok + `,"a":1.,"data":{"id":"1"}}`, wantErr: ErrMalformedJSON},
		{name: "no digit before the point", body: `{` + ok + `,"a":.5,"data":{"id":"1"}}`, wantErr: ErrMalformedJSON},
		{name: "no exponent digits", body: `{` + ok + `,"a":1e+,"data":{"id":"1"}}`, wantErr: ErrMalformedJSON},
		{name: "plus sign", body: `{` + ok + `,"a":+1,"data":{"id":"1"}}`, wantErr: ErrMalformedJSON},
		{name: "hex escape", body: withData(`{"id":"\x41"}`), wantErr: ErrMalformedJSON},
		{name: "short unicode escape", body: withData(`{"id":"\u12"}`), wantErr: ErrMalformedJSON},
		{name: "raw tab in a string", body: withData("{\"id\":\"a\tb\"}"), wantErr: ErrMalformedJSON},
		{name: "trailing comma in an object", body: withData(`{"id":"1",}`), wantErr: ErrMalformedJSON},
		{name: "trailing comma in an array", body: withData(`{"id":"1","a":[1,]}`), wantErr: ErrMalformedJSON},
		{name: "misspelt literal", body: withData(`{"id":"1","a":nul}`), wantErr: ErrMalformedJSON},

		{name: "whitespace everywhere", body: " \r\n\t{ \"resource\" : \"messages\" ,\n\"event\":\"created\", \"data\" : { \"id\" : \"1\" , \"a\" : [ ] , \"b\" : { } } }\n\t ",
			check: func(t *testing.T, env *Envelope) {
				wantString(t, "raw data", string(env.RawData), `{ "id" : "1" , "a" : [ ] , "b" : { } }`)
			}},
		{name: "byte order mark", body: "\ufeff" + withData(`{"id":"1"}`), wantErr: ErrMalformedJSON},
		{name: "NUL after the object", body: withData(`{"id":"1"}`) + "\x00", wantErr: ErrMalformedJSON},
		{name: "second value", body: withData(`{"id":"1"}`) + " 1", wantErr: ErrMalformedJSON},
		{name: "string at the top", body: `"messages"`, wantErr: ErrMalformedJSON},
		{name: "only whitespace", body: " \n", wantErr: ErrMalformedJSON},

		{name: "invalid UTF-8 in a key", body: "{" + ok + ",\"k\xc3\":1,\"data\":{\"id\":\"1\"}}", wantErr: ErrMalformedJSON},
		{name: "UTF-8 surrogate in a value", body: withData("{\"id\":\"\xed\xa0\x80\"}"), wantErr: ErrMalformedJSON},
		{name: "invalid UTF-8 after the object", body: withData(`{"id":"1"}`) + " \xff", wantErr: ErrMalformedJSON},
		{name: "invalid UTF-8 after a refusal", body: `{"event":"created","data":{"id":"1"}}` + "\xff", wantErr: ErrMalformedJSON},

		{name: "data null", body: withData(`null`), wantErr: ErrMissingDataID},
		{name: "data an array", body: withData(`[{"id":"1"}]`), wantErr: ErrMissingDataID},
		{name: "data a string", body: withData(`"{\"id\":\"1\"}"`), wantErr: ErrMissingDataID},
		{name: "data only deeper", body: `{` + ok + `,"x":{"data":{"id":"1"}}}`, wantErr: ErrMissingDataID},
		{name: "data.id null", body: withData(`{"id":null}`), wantErr: ErrMissingDataID},
		{name: "data.id a list", body: withData(`{"id":["1"]}`), wantErr: ErrMissingDataID},

		{name: "fields of other types read as empty", body: `{` + ok + `,"id":7,"name":{"a":"b"},"status":["active"],"created":null,"data":{"id":"1","roomId":true,"type":1}}`,
			check: func(t *testing.T, env *Envelope) {
				if env.ID != "" || env.Name != "" || env.Status != "" || env.Created != "" || env.Data.RoomID != "" || env.Data.Type != "" {
					t.Errorf("got %+v", env)
				}
			}},
		{name: "null in a list reads as empty", body: withData(`{"id":"1","mentionedPeople":["a",null,"b"]}`),
			check: func(t *testing.T, env *Envelope) { wantList(t, env.Data.MentionedPeople, []string{"a", "", "b"}) }},
		{name: "empty list is not nil", body: withData(`{"id":"1","files":[]}`),
			check: func(t *testing.T, env *Envelope) { wantList(t, env.Data.Files, []string{}) }},
		{name: "list with a number is nil", body: withData(`{"id":"1","mentionedPeople":["a",1],"files":["f"]}`),
			check: func(t *testing.T, env *Envelope) {
				wantList(t, env.Data.MentionedPeople, nil)
				wantList(t, env.Data.Files, []string{"f"})
			}},
		{name: "list of lists is nil", body: withData(`{"id":"1","files":[["f"]]}`),
			check: func(t *testing.T, env *Envelope) { wantList(t, env.Data.Files, nil) }},
		{name: "long lists", body: withData(`{"id":"1","mentionedPeople":` + list(60, `"\u0070"`) + `,"files":` + list(60, `null`) + `}`),
			check: func(t *testing.T, env *Envelope) {
				if len(env.Data.MentionedPeople) != 61 || len(env.Data.Files) != 61 || env.Data.MentionedPeople[60] != "p" || env.Data.Files[60] != "" {
					t.Errorf("lists of %d and %d", len(env.Data.MentionedPeople), len(env.Data.Files))
				}
			}},
		{name: "long list refused at its end", body: withData(`{"id":"1","mentionedPeople":` + list(30, `"q"`) + `,"files":` + list(60, `{}`) + `,"type":"submit"}`),
			check: func(t *testing.T, env *Envelope) {
				wantList(t, env.Data.Files, nil)
				wantString(t, "type", env.Data.Type, "submit")
				wantString(t, "mentionedPeople[30]", env.Data.MentionedPeople[30], "q")
			}},
		{name: "isModerator true", body: withData(`{"id":"1","isModerator":true}`),
			check: func(t *testing.T, env *Envelope) {
				if !env.Data.IsModerator {
					t.Error("isModerator false")
				}
			}},
		{name: "isModerator a string", body: withData(`{"id":"1","isModerator":"true"}`),
			check: func(t *testing.T, env *Envelope) {
				if env.Data.IsModerator {
					t.Error("isModerator true")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := Decode([]byte(tt.body))
			want, wantErr := decodeReference([]byte(tt.body))
			if sentinel(err) != sentinel(wantErr) {
				t.Errorf("Decode error %v, reference error %v", err, wantErr)
			} else if err == nil && !reflect.DeepEqual(env, want) {
				t.Errorf("envelopes differ:\n got  %#v\n want %#v", env, want)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, env)
		})
	}
}

func wantString(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func wantList(t *testing.T, got, want []string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("list = %#v, want %#v", got, want)
	}
}

// TestDecodeReasonsStayShort: a reason quotes untrusted text, which must not
// make it long however much of the text needs escaping.
func TestDecodeReasonsStayShort(t *testing.T) {
	const ok = `"resource":"messages","event":"created"`
	tests := []struct {
		name, body, quoted string
	}{
		{"plain resource", `{"resource":"` + strings.Repeat("m", 100) + `","event":"created","data":{"id":"1"}}`, `"` + strings.Repeat("m", 32) + `"... (100 bytes)`},
		{"short event", `{"resource":"messages","event":"a b","data":{"id":"1"}}`, `"a b"`},
		{"control characters", `{"resource":"` + strings.Repeat(`\u0001`, 40) + `","event":"created","data":{"id":"1"}}`, `"` + strings.Repeat(`\x01`, 15) + `"... (40 bytes)`},
		{"line separators", `{"resource":"messages","event":"` + strings.Repeat(`\u2028`, 40) + `","data":{"id":"1"}}`, `"` + strings.Repeat(`\u2028`, 10) + `"... (120 bytes)`},
		{"duplicate key", `{` + ok + `,"` + strings.Repeat(`\u001f`, 40) + `":1,"` + strings.Repeat(`\u001f`, 40) + `":2}`, `"` + strings.Repeat(`\x1f`, 15) + `"... (40 bytes)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.body))
			if err == nil {
				t.Fatal("accepted")
			}
			if r := err.Error(); len(r) > 120 || !strings.HasSuffix(r, " "+tt.quoted) {
				t.Errorf("reason %q (%d bytes), want it to end in %s and stay under 120 bytes", r, len(r), tt.quoted)
			}
		})
	}
}
