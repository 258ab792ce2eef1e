package events

import (
	"errors"
	"strings"
	"testing"
	"unicode"
)

// TestFoldKeyCoversSimpleFolding: every character folds like the others
// of its simple case folding orbit, which is how encoding/json matches
// keys since Go 1.26, so foldKey never tells apart two keys encoding/json
// would match.
func TestFoldKeyCoversSimpleFolding(t *testing.T) {
	fold := func(r rune) string { return string(foldKey(nil, []byte(string(r)))) }
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue // not characters; Decode refuses them
		}
		for o := unicode.SimpleFold(r); o != r; o = unicode.SimpleFold(o) {
			if fold(o) != fold(r) {
				t.Fatalf("%U and %U fold to %q and %q", r, o, fold(r), fold(o))
			}
		}
	}
}

// TestKnownKeysMatchTags: the keys whose case variants Decode refuses are
// exactly the JSON names of Envelope's and Data's fields.
func TestKnownKeysMatchTags(t *testing.T) {
	for _, tc := range []struct {
		name  string
		v     any
		known knownKeys
	}{{"Envelope", Envelope{}, envelopeKeys}, {"Data", Data{}, dataKeys}} {
		for _, k := range jsonKeysReference(tc.v) {
			if got := tc.known.name(foldKey(nil, []byte(k))); got != k {
				t.Errorf("%s: %q is known as %q", tc.name, k, got)
			}
		}
		for _, other := range []string{"mentionedGroups", "personOrgId", "isMonitor", "x"} {
			if got := tc.known.name(foldKey(nil, []byte(other))); got != "" {
				t.Errorf("%s: %q is known as %q", tc.name, other, got)
			}
		}
	}
}

// TestDecodeCaseFoldedKeys: keys that encoding/json would match to one
// field are refused, so that no reader takes another value than Decode.
func TestDecodeCaseFoldedKeys(t *testing.T) {
	const ok = `"resource":"messages","event":"created"`
	withData := func(data string) string { return `{` + ok + `,"data":` + data + `}` }
	refused := []struct{ name, body string }{
		{"Resource beside resource", `{"resource":"messages","Resource":"rooms","event":"created","data":{"id":"1"}}`},
		{"RESOURCE before resource", `{"RESOURCE":"rooms","resource":"messages","event":"created","data":{"id":"1"}}`},
		{"Event beside event", `{"resource":"messages","event":"created","Event":"deleted","data":{"id":"1"}}`},
		{"DATA beside data", `{` + ok + `,"data":{"id":"1"},"DATA":{"id":"2"}}`},
		{"Data before data", `{` + ok + `,"Data":{"id":"2"},"data":{"id":"1"}}`},
		{"data.ID beside data.id", withData(`{"id":"1","ID":"2"}`)},
		{"data.Id before data.id", withData(`{"Id":"2","id":"1"}`)},
		{"data.roomID beside data.roomId", withData(`{"id":"1","roomId":"r1","roomID":"r2"}`)},
		{"escaped upper case", `{"resource":"messages","\u0052esource":"rooms","event":"created","data":{"id":"1"}}`},
		{"long s in resource", `{"resource":"messages","re` + "\u017f" + `ource":"rooms","event":"created","data":{"id":"1"}}`},
		{"long s escaped", `{"resource":"messages","re\u017fource":"rooms","event":"created","data":{"id":"1"}}`},
		{"long s in personId", withData(`{"id":"1","personId":"p1","per` + "\u017f" + `onId":"p2"}`)},
		{"Kelvin sign in an unknown key", withData(`{"id":"1","kind":"a","` + "\u212a" + `ind":"b"}`)},
		{"unknown keys in two cases", `{` + ok + `,"future":1,"FUTURE":2,"data":{"id":"1"}}`},
		{"unknown data keys in two cases", withData(`{"id":"1","personOrgId":"o1","PersonOrgId":"o2"}`)},
		{"dotted capital I", withData(`{"id":"1","` + "\u0130" + `d":"2"}`)},
		{"lone Resource", `{"Resource":"messages","event":"created","data":{"id":"1"}}`},
		{"lone ID", `{"ID":"wh",` + ok + `,"data":{"id":"1"}}`},
		{"lone data.RoomId", withData(`{"id":"1","RoomId":"r2"}`)},
		{"lone data.ISMODERATOR", withData(`{"id":"1","ISMODERATOR":true}`)},
		{"lone Data", `{` + ok + `,"Data":{"id":"1"}}`},
		{"long keys past the set's array", withData(`{"id":"1","` + strings.Repeat("k", 300) + `":1,"` + strings.Repeat("x", 300) + `":2,"` + strings.Repeat("K", 300) + `":3}`)},
		{"long key after many", withData(`{"id":"1","a":1,"b":2,"` + strings.Repeat("ſ", 400) + `":3,"` + strings.Repeat("S", 400) + `":4}`)},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			env, err := Decode([]byte(tc.body))
			if !errors.Is(err, ErrMalformedJSON) {
				t.Fatalf("Decode = %+v, %v; want ErrMalformedJSON", env, err)
			}
			if _, err := decodeReference([]byte(tc.body)); !errors.Is(err, ErrMalformedJSON) {
				t.Errorf("reference = %v; want ErrMalformedJSON", err)
			}
		})
	}
	accepted := []struct{ name, body string }{
		{"different keys", withData(`{"id":"1","roomId":"r1","roomType":"direct"}`)},
		{"case variants deeper", withData(`{"id":"1","x":{"a":1,"A":2},"files":["a","A"]}`)},
		{"case variants in values", `{"resource":"messages","event":"created","name":"DATA","data":{"id":"ID","type":"Id"}}`},
		{"unknown keys that only look alike", withData(`{"id":"1","room_id":"a","roomid_":"b"}`)},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Decode([]byte(tc.body)); err != nil {
				t.Fatalf("Decode: %v", err)
			}
		})
	}
	t.Run("reasons name the key", func(t *testing.T) {
		_, err := Decode([]byte(refused[0].body))
		if err == nil || !strings.Contains(err.Error(), `duplicate key "Resource"`) {
			t.Errorf("reason %v", err)
		}
		_, err = Decode([]byte(`{"Resource":"messages","event":"created","data":{"id":"1"}}`))
		if err == nil || !strings.Contains(err.Error(), `wrongly cased key "Resource"`) {
			t.Errorf("reason %v", err)
		}
	})
}
