package events

import (
	"errors"
	"slices"
	"testing"
)

func TestParseResourceEvents(t *testing.T) {
	got, err := ParseResourceEvents([]string{"messages", " attachmentActions/created ", "memberships/all", "", "all/all"})
	want := []ResourceEvent{{"messages", "created"}, {"attachmentActions", "created"}, {"memberships", "all"}, {"all", "all"}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("ParseResourceEvents = %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"messages/cre ated", "a.b", "messages/created/x", "/created", "*"} {
		if _, err := ParseResourceEvents([]string{bad}); !errors.Is(err, ErrUnsafeToken) {
			t.Errorf("ParseResourceEvents(%q) error = %v, want ErrUnsafeToken", bad, err)
		}
	}
}
