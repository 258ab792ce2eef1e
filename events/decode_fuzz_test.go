package events

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// Webex-shaped deliveries, as the API documents them.
const (
	seedMessageCreated = `{
  "id": "Y2lzY29zcGFyazovL3VzL1dFQkhPT0svZjRlNjA1NjAtNjYwMi00ZmIwLWEyNWEtOTQ5ODgxNjA5NDk3",
  "name": "New message in 'Project Unicorn' room",
  "targetUrl": "https://example.com/mywebhook",
  "resource": "messages",
  "event": "created",
  "filter": "roomId=Y2lzY29zcGFyazovL3VzL1JPT00vY2RlMWRkNDAtMmYwZC0xMWU1LWJhOWMtN2I2NTU2ZDIyMDdi",
  "orgId": "OTZhYmMyYWEtM2RjYy0xMWU1LWExNTItZmUzNDgxOWNkYzlh",
  "createdBy": "Y2lzY29zcGFyazovL3VzL1BFT1BMRS8xZjdkZTVjYi04NTYxLTQ2NzEtYmMwMy1iYzk3NDMxNDQ0MmQ",
  "appId": "Y2lzY29zcGFyazovL3VzL0FQUExJQ0FUSU9OL0MyNzljYjMwYzAyOTE4MGJiNGJkYWViYjA2MWI3OTY1Y2RhMzliNjAyOTdjODUwM2YyNjZhYmY2NmM5OTllYzFm",
  "ownedBy": "creator",
  "status": "active",
  "created": "2015-10-18T14:26:16.000Z",
  "actorId": "Y2lzY29zcGFyazovL3VzL1BFT1BMRS8xZjdkZTVjYi04NTYxLTQ2NzEtYmMwMy1iYzk3NDMxNDQ0MmQ",
  "data": {
    "id": "Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJkYjNiZTAtNDNiZC0xMWU2LThhZTktZGQ1YjNkZmM1NjVk",
    "roomId": "Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQtNDNmMS0zYjU4LTkxNDctZjE0YmIwYzRkMTU0",
    "roomType": "group",
    "personId": "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIzNjE4Ny1jOGRkLTQ3MjctOGIyZi1mOWM0NDdmMjkwNDY",
    "personEmail": "matt@example.com",
    "mentionedPeople": ["Y2lzY29zcGFyazovL3VzL1BFT1BMRS8yNDlmNzRkOS1kYjhhLTQzY2EtODk2Yi04NzllZDI0MGFjNTM", "Y2lzY29zcGFyazovL3VzL1BFT1BMRS83YWYyZjcyYy0xZDk1LTQxZjAtYTcxNi00MjlmZmNmYmM0ZDg"],
    "mentionedGroups": ["all"],
    "files": ["https://webexapis.com/v1/contents/Y2lzY29zcGFyazovL3VzL0NPTlRFTlQvNDJiNGFi/0"],
    "parentId": "Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJkYjNiZTAtNDNiZC0xMWU2LThhZTktZGQ1YjNkZmM1NjAw",
    "created": "2015-10-18T14:26:16+00:00"
  }
}`
	seedAttachmentActionCreated = `{"id":"Y2lzY29zcGFyazovL3VzL1dFQkhPT0svOTZhYmMyYWEtM2RjYy0xMWU1LWExNTItZmUzNDgxOWNkYzlh","name":"cards","targetUrl":"https://bot.example.com/webhooks/webex","resource":"attachmentActions","event":"created","orgId":"OTZhYmMyYWEtM2RjYy0xMWU1LWExNTItZmUzNDgxOWNkYzlh","createdBy":"Y2lzY29zcGFyazovL3VzL1BFT1BMRS8xZjdk","appId":"Y2lzY29zcGFyazovL3VzL0FQUExJQ0FUSU9OL0My","ownedBy":"creator","status":"active","created":"2019-05-20T21:54:42.170Z","actorId":"Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIz","data":{"id":"Y2lzY29zcGFyazovL3VzL0FUVEFDSE1FTlRfQUNUSU9OLzkyZGIzYmUw","type":"submit","messageId":"Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJkYjNiZTA","personId":"Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIz","roomId":"Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQ","created":"2019-05-20T22:03:20.468Z"}}`
	seedMembershipCreated       = `{"id":"Y2lzY29zcGFyazovL3VzL1dFQkhPT0sv","name":"memberships","targetUrl":"https://bot.example.com/webhooks/webex","resource":"memberships","event":"created","filter":"personId=Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ib3Q","orgId":"OTZhYmMy","createdBy":"Y2lzY29zcGFyazovL3VzL1BFT1BMRS8xZjdk","appId":"Y2lzY29zcGFyazovL3VzL0FQUExJQ0FUSU9OL0My","ownedBy":"creator","status":"active","created":"2024-01-10T08:00:00.000Z","actorId":"Y2lzY29zcGFyazovL3VzL1BFT1BMRS9hZG1pbg",
"data":{"id":"Y2lzY29zcGFyazovL3VzL01FTUJFUlNISVAvMGQwYzkxYjYtY2U2MC00NzI1LWI2ZDAtMzQ1NWQ1ZDExZWY5","roomId":"Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQ","roomType":"group","personId":"Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ib3Q","personEmail":"bot@webex.bot","personDisplayName":"Echo Bot","personOrgId":"OTZhYmMy","isModerator":false,"isMonitor":false,"isRoomHidden":false,"created":"2024-01-10T08:00:01.000Z"}}`
	seedMembershipUpdated = `{"resource":"memberships","event":"updated","data":{"id":"m-1","roomId":"r-1","personId":"p-1","personDisplayName":"Zo\u00eb \ud83d\ude00","isModerator":true,"isMonitor":false}}`
)

// decodeSeeds are the bodies FuzzDecode starts from: the table tests'
// bodies, real deliveries and the corners of JSON a hand-written scanner
// gets wrong.
func decodeSeeds() []string {
	const ok = `"resource":"messages","event":"created"`
	seeds := []string{
		seedMessageCreated, seedAttachmentActionCreated, seedMembershipCreated, seedMembershipUpdated,
		string(benchBody),
		// TestDecode's bodies.
		`{"resource":"messages","event":"created","data":{"id":"1","files":[{"id":"a"},{"id":"b"}],"x":{"id":"c","id":"d"}},"extra":{"resource":"r"}}`,
		`{"resource":"attachmentActions","event":"created","future":{"x":1},"status":7,"data":{"id":"a1","messageId":"m1","type":"submit","mentionedPeople":"not-a-list","extra":[1,2]}}`,
		``, `[1]`, `{"resource":"messages"`,
		`{"event":"created","data":{"id":"1"}}`,
		`{"resource":5,"event":"created","data":{"id":"1"}}`,
		`{"resource":"messages","data":{"id":"1"}}`,
		`{` + ok + `}`,
		`{` + ok + `,"data":"x"}`,
		`{` + ok + `,"data":{"id":""}}`,
		`{` + ok + `,"data":{"id":12}}`,
		`{"resource":"messages.x","event":"created","data":{"id":"1"}}`,
		`{"resource":"messages","event":"*","data":{"id":"1"}}`,
		`{"resource":"messages","event":">","data":{"id":"1"}}`,
		`{"resource":"mess ages","event":"created","data":{"id":"1"}}`,
		"{" + ok + ",\"data\":{\"id\":\"\xff\xfe\"}}",
		`{"resource":"messages","event":"created","resource":"rooms","data":{"id":"1"}}`,
		`{` + ok + `,"data":{"id":"1","id":"2"}}`,
		`{` + ok + `,"data":{"id":"1"}} x`,
		`{` + ok + `,"data":{"id":"1"}}{}`,
		`{"resource":"` + strings.Repeat("a", 100) + `","event":"created","data":{"id":"1"}}`,
		// Escapes and surrogates.
		`{"resourc\u0065":"messages","\u0065vent":"created","d\u0061ta":{"\u0069d":"\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t"}}`,
		`{` + ok + `,"data":{"id":"\ud800","roomId":"\udc00x","personId":"\ud800\ud800\udc00","type":"\ud83d\u0041"}}`,
		`{` + ok + `,"data":{"id":"\uD83D\uDE00","roomId":"\ud83d\ude0","type":"\x"}}`,
		`{` + ok + `,"data":{"id":"1","\ud800":1,"\udfff":2}}`,
		`{` + ok + `,"data":{"id":"1","\ufffd":1,"\ud800":2}}`,
		`{` + ok + `,"data":{"id":"1","\u0069d":2}}`,
		`{"id":1,"\u0069d":2,` + ok + `,"data":{"id":"1"}}`,
		`{` + ok + `,"data":{"id":"a\u0000b"}}`,
		`{` + ok + `,"data":{"id":"tab	inside"}}`,
		// Depth: the envelope is level 1.
		`{` + ok + `,"data":{"id":"1","x":` + strings.Repeat("[", 29) + strings.Repeat("]", 29) + `}}`,
		`{` + ok + `,"data":{"id":"1","x":` + strings.Repeat("[", 30) + strings.Repeat("]", 30) + `}}`,
		`{` + ok + `,"data":{"id":"1","x":` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + `}}`,
		`{` + ok + `,"data":{"id":"1","x":` + strings.Repeat(`{"a":`, 30) + `1` + strings.Repeat("}", 30) + `}}`,
		`{` + ok + `,"data":{"id":"1","x":` + strings.Repeat(`{"a":`, 31) + `1` + strings.Repeat("}", 31) + `}}`,
		// Numbers.
		`{` + ok + `,"n":-0,"m":1e5,"o":1.5E-3,"p":0.0,"q":-12.5e+10,"data":{"id":"1"}}`,
		`{` + ok + `,"n":01,"data":{"id":"1"}}`,
		`{` + ok + `,"n":-,"data":{"id":"1"}}`,
		`{` + ok + `,"n":1.,"data":{"id":"1"}}`,
		`{` + ok + `,"n":.5,"data":{"id":"1"}}`,
		`{` + ok + `,"n":1e,"data":{"id":"1"}}`,
		`{` + ok + `,"n":+1,"data":{"id":"1"}}`,
		`{` + ok + `,"n":1 2,"data":{"id":"1"}}`,
		// Literals and whitespace.
		"\t\r\n {" + ok + ",\"a\":true,\"b\":false,\"c\":null,\"data\":{\"id\":\"1\"}} \n",
		`{` + ok + `,"a":tru,"data":{"id":"1"}}`,
		`{` + ok + `,"a":nul,"data":{"id":"1"}}`,
		`{` + ok + `,"a":truex,"data":{"id":"1"}}`,
		"\ufeff{" + ok + `,"data":{"id":"1"}}`,
		"{" + ok + ",\"data\":{\"id\":\"1\"}}\x00",
		"{" + ok + ",\"data\":{\"id\":\"1\"}}\v",
		// Trailing commas and missing pieces.
		`{` + ok + `,"data":{"id":"1",}}`,
		`{` + ok + `,"data":{"id":"1"},}`,
		`{` + ok + `,"data":{"id":"1","l":[1,]}}`,
		`{` + ok + `,"data":{"id" "1"}}`,
		`{` + ok + `,"data":{"id":"1"}`,
		`{` + ok + `,"data":{"id":"1"}}}`,
		`{` + ok + `,"data":{"id":"1"}]`,
		`{` + ok + `,"data":{1:"1"}}`,
		// Invalid UTF-8 in keys, values and between tokens.
		"{" + ok + ",\"k\xc3\":1,\"data\":{\"id\":\"1\"}}",
		"{" + ok + ",\"data\":{\"id\":\"1\",\"\xed\xa0\x80\":1}}",
		"{" + ok + ",\"data\":{\"id\":\"\xf4\x90\x80\x80\"}}",
		"{" + ok + ",\"data\":{\"id\":\"1\"}} \xff",
		"{" + ok + ",\"data\":{\"id\":\"1\"},\xc3\xa9}",
		// data in other shapes and places.
		`{` + ok + `,"data":null}`,
		`{` + ok + `,"data":[{"id":"1"}]}`,
		`{` + ok + `,"data":"{\"id\":\"1\"}"}`,
		`{` + ok + `,"data":{"id":null}}`,
		`{` + ok + `,"data":{"id":["1"]}}`,
		`{` + ok + `,"data":{"id":true}}`,
		`{` + ok + `,"x":{"data":{"id":"1","id":"2"}},"data":{"id":"1"}}`,
		`{` + ok + `,"x":{"data":{"id":"1"}}}`,
		`{` + ok + `,"data":{"id":"1","data":{"id":"2","id":"3"}}}`,
		`{` + ok + `,"data":{"id":"1"},"data":{"id":"2"}}`,
		// Odd field types.
		`{` + ok + `,"data":{"id":"1","mentionedPeople":["a",null,"b"],"files":[]}}`,
		`{` + ok + `,"data":{"id":"1","mentionedPeople":["a",1],"files":[["f"]]}}`,
		`{` + ok + `,"data":{"id":"1","mentionedPeople":null,"files":{"a":"b"}}}`,
		`{` + ok + `,"data":{"id":"1","isModerator":"true"}}`,
		`{` + ok + `,"data":{"id":"1","isModerator":1}}`,
		`{` + ok + `,"data":{"id":"1","isModerator":null}}`,
		`{` + ok + `,"name":{"a":1},"status":["active"],"created":null,"data":{"id":"1"}}`,
		`{"resource":"","event":"created","data":{"id":"1"}}`,
		`{"resource":"messages","event":"","data":{"id":"1"}}`,
		`{"resource":"m\u0065ssages","event":"cr\u00e9ated","data":{"id":"1"}}`,
		// Reasons quoting text that needs escaping everywhere.
		`{"resource":"` + strings.Repeat(`\u0001`, 40) + `","event":"created","data":{"id":"1"}}`,
		`{` + ok + `,"data":{"id":"1","` + strings.Repeat(`\u001f`, 40) + `":1,"` + strings.Repeat(`\u001f`, 40) + `":2}}`,
		`{}`, `{ }`, `[]`, `"x"`, `null`, `1`, `{`, `}`, ` `,
	}
	return seeds
}

// FuzzDecode checks Decode against decodeReference, the implementation it
// replaced: for any body both accept or both refuse with the same sentinel
// error, and an accepted body gives the same envelope, field by field.
func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		body = bytes.Clone(body) // scribbled on below
		orig := bytes.Clone(body)
		got, err := Decode(body)
		want, wantErr := decodeReference(body)
		if !bytes.Equal(body, orig) {
			t.Fatal("Decode changed its input")
		}
		if gs, ws := sentinel(err), sentinel(wantErr); gs != ws {
			t.Fatalf("Decode error %v, reference error %v", err, wantErr)
		}
		if err != nil {
			if got != nil {
				t.Fatal("Decode returned an envelope with an error")
			}
			if r := err.Error(); len(r) > 120 || !utf8.ValidString(r) || strings.ContainsAny(r, "\r\n") {
				t.Fatalf("reason %q: want short, one line, valid UTF-8", r)
			}
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("envelopes differ:\n got  %#v\n want %#v", got, want)
		}
		// The envelope must not share memory with the body.
		for i := range body {
			body[i] = 'x'
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatal("envelope changed with the body it was decoded from")
		}
	})
}

// sentinel names the error Decode documents that err wraps.
func sentinel(err error) error {
	if err == nil {
		return nil
	}
	for _, s := range []error{ErrMalformedJSON, ErrMissingResource, ErrMissingEvent, ErrMissingDataID, ErrUnsafeToken} {
		if errors.Is(err, s) {
			return s
		}
	}
	return err
}
