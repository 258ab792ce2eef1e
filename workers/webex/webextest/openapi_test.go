package webextest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestRoomMatchesOpenAPI checks the emulator's own room shape against
// Webex's OpenAPI description (../shared from the repository root); the
// shapes it shares with the client are checked in package webex.
func TestRoomMatchesOpenAPI(t *testing.T) {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	for range 6 {
		if b, err = os.ReadFile(filepath.Join(dir, "shared/webex-openapi/webex-messaging.json")); err == nil {
			break
		}
		dir = filepath.Dir(dir)
	}
	if b == nil {
		t.Skip("Webex OpenAPI description not found above the package")
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
