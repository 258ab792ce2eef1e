package replay

import "testing"

func TestNarrow(t *testing.T) {
	tests := []struct {
		name, filter, resource, event string
		want                          string
		ok                            bool
	}{
		{name: "all", filter: "webex.events.messages.created.*", want: "webex.events.messages.created.*", ok: true},
		{name: "same resource", filter: "webex.events.messages.created.*", resource: "messages", want: "webex.events.messages.created.*", ok: true},
		{name: "other resource", filter: "webex.events.messages.created.*", resource: "rooms"},
		{name: "wildcard event narrowed", filter: "webex.events.memberships.*.*", event: "deleted", want: "webex.events.memberships.deleted.*", ok: true},
		{name: "full wildcard", filter: "webex.events.>", resource: "rooms", want: "webex.events.rooms.*.*", ok: true},
		{name: "resource wildcard tail", filter: "webex.events.rooms.>", event: "created", want: "webex.events.rooms.created.*", ok: true},
		{name: "replay filter", filter: "webex.replay.echo.>"},
		{name: "one partition kept", filter: "webex.events.messages.created.3", want: "webex.events.messages.created.3", ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := narrow(tt.filter, tt.resource, tt.event)
			if got != tt.want || ok != tt.ok {
				t.Errorf("narrow(%q, %q, %q) = %q, %v; want %q, %v", tt.filter, tt.resource, tt.event, got, ok, tt.want, tt.ok)
			}
		})
	}
}
