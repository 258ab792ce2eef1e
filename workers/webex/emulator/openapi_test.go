package emulator

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestRoomMatchesOpenAPI checks the emulator's own room shape against
// Webex's OpenAPI description (the fixture of package webex); the shapes it
// shares with the client are checked in package webex.
func TestRoomMatchesOpenAPI(t *testing.T) {
	b, err := os.ReadFile("../testdata/webex-openapi/webex-messaging.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	props := doc.Components.Schemas["Room"].Properties
	typ := reflect.TypeOf(roomJSON{})
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if _, ok := props[name]; !ok {
			t.Errorf("room field %q is not in the Room schema", name)
		}
	}
}
