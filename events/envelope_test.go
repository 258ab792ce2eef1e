package events

import (
	"errors"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr error
		check   func(t *testing.T, env *Envelope)
	}{
		{
			name: "message created",
			body: `{"id":"wh1","name":"bot","targetUrl":"https://x/y","resource":"messages","event":"created",
				"orgId":"o","createdBy":"p","appId":"a","ownedBy":"creator","status":"active","created":"2026-01-01T00:00:00.000Z",
				"actorId":"u1","data":{"id":"m1","roomId":"r1","roomType":"direct","personId":"u1","personEmail":"u@example.com",
				"created":"2026-01-02T00:00:00.000Z","parentId":"m0","mentionedPeople":["bot"],"files":["f"]}}`,
			check: func(t *testing.T, env *Envelope) {
				if env.ID != "wh1" || env.ActorID != "u1" || env.OwnedBy != "creator" {
					t.Errorf("envelope fields: %+v", env)
				}
				d := env.Data
				if d.ID != "m1" || d.RoomID != "r1" || d.ParentID != "m0" || d.PersonEmail != "u@example.com" ||
					len(d.MentionedPeople) != 1 || len(d.Files) != 1 {
					t.Errorf("data: %+v", d)
				}
				if !strings.Contains(string(env.RawData), `"roomType":"direct"`) {
					t.Errorf("raw data lost: %s", env.RawData)
				}
			},
		},
		{
			name: "same key at other depths is fine",
			body: `{"resource":"messages","event":"created","data":{"id":"1","files":[{"id":"a"},{"id":"b"}],"x":{"id":"c","id":"d"}},"extra":{"resource":"r"}}`,
			check: func(t *testing.T, env *Envelope) {
				if env.Data.ID != "1" {
					t.Errorf("data.id = %q", env.Data.ID)
				}
			},
		},
		{
			name:  "nesting at the limit",
			body:  `{"resource":"messages","event":"created","data":{"id":"1","x":` + strings.Repeat("[", MaxDepth-2) + strings.Repeat("]", MaxDepth-2) + `}}`,
			check: func(t *testing.T, env *Envelope) {},
		},
		{
			name: "unknown fields and odd types tolerated",
			body: `{"resource":"attachmentActions","event":"created","future":{"x":1},"status":7,
				"data":{"id":"a1","messageId":"m1","type":"submit","mentionedPeople":"not-a-list","extra":[1,2]}}`,
			check: func(t *testing.T, env *Envelope) {
				if env.Status != "" || env.Data.MessageID != "m1" || env.Data.MentionedPeople != nil {
					t.Errorf("got %+v", env)
				}
			},
		},
		{name: "empty body", body: ``, wantErr: ErrMalformedJSON},
		{name: "array", body: `[1]`, wantErr: ErrMalformedJSON},
		{name: "truncated", body: `{"resource":"messages"`, wantErr: ErrMalformedJSON},
		{name: "missing resource", body: `{"event":"created","data":{"id":"1"}}`, wantErr: ErrMissingResource},
		{name: "resource not a string", body: `{"resource":5,"event":"created","data":{"id":"1"}}`, wantErr: ErrMissingResource},
		{name: "missing event", body: `{"resource":"messages","data":{"id":"1"}}`, wantErr: ErrMissingEvent},
		{name: "missing data", body: `{"resource":"messages","event":"created"}`, wantErr: ErrMissingDataID},
		{name: "data not an object", body: `{"resource":"messages","event":"created","data":"x"}`, wantErr: ErrMissingDataID},
		{name: "data.id empty", body: `{"resource":"messages","event":"created","data":{"id":""}}`, wantErr: ErrMissingDataID},
		{name: "data.id a number", body: `{"resource":"messages","event":"created","data":{"id":12}}`, wantErr: ErrMissingDataID},
		{name: "resource with dot", body: `{"resource":"messages.x","event":"created","data":{"id":"1"}}`, wantErr: ErrUnsafeToken},
		{name: "event wildcard", body: `{"resource":"messages","event":"*","data":{"id":"1"}}`, wantErr: ErrUnsafeToken},
		{name: "event full wildcard", body: `{"resource":"messages","event":">","data":{"id":"1"}}`, wantErr: ErrUnsafeToken},
		{name: "resource with space", body: `{"resource":"mess ages","event":"created","data":{"id":"1"}}`, wantErr: ErrUnsafeToken},
		{name: "invalid UTF-8", body: "{\"resource\":\"messages\",\"event\":\"created\",\"data\":{\"id\":\"\xff\xfe\"}}", wantErr: ErrMalformedJSON},
		{name: "duplicate resource", body: `{"resource":"messages","event":"created","resource":"rooms","data":{"id":"1"}}`, wantErr: ErrMalformedJSON},
		{name: "duplicate data.id", body: `{"resource":"messages","event":"created","data":{"id":"1","id":"2"}}`, wantErr: ErrMalformedJSON},
		{name: "deeply nested", body: `{"resource":"messages","event":"created","data":{"id":"1","x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}}`, wantErr: ErrMalformedJSON},
		{name: "trailing garbage", body: `{"resource":"messages","event":"created","data":{"id":"1"}} x`, wantErr: ErrMalformedJSON},
		{name: "two objects", body: `{"resource":"messages","event":"created","data":{"id":"1"}}{}`, wantErr: ErrMalformedJSON},
		{name: "resource too long", body: `{"resource":"` + strings.Repeat("a", 10000) + `","event":"created","data":{"id":"1"}}`, wantErr: ErrUnsafeToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := Decode([]byte(tt.body))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if len(err.Error()) > 120 {
					t.Errorf("error too long to be a short reason: %d bytes", len(err.Error()))
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

func TestValidToken(t *testing.T) {
	for _, s := range []string{"messages", "attachmentActions", "telephony_calls", "a", "A9_", strings.Repeat("x", 64)} {
		if !ValidToken(s) {
			t.Errorf("ValidToken(%q) = false", s)
		}
	}
	for _, s := range []string{"", "9a", "_a", "a.b", "a*", ">", "a b", "a-b", "é", "a\x00", strings.Repeat("x", 65)} {
		if ValidToken(s) {
			t.Errorf("ValidToken(%q) = true", s)
		}
	}
}

func TestPartition(t *testing.T) {
	if a, b := Partition("room-1", 16), Partition("room-1", 16); a != b {
		t.Fatalf("not stable: %d %d", a, b)
	}
	seen := map[int]bool{}
	for i := 0; i < 1000; i++ {
		p := Partition("room-"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26%26)), 16)
		if p < 0 || p >= 16 {
			t.Fatalf("partition %d out of range", p)
		}
		seen[p] = true
	}
	if len(seen) != 16 {
		t.Errorf("1000 rooms reached only %d of 16 partitions", len(seen))
	}
	if Partition("x", 0) != 0 {
		t.Error("n=0 should map to 0")
	}
	env := &Envelope{Resource: "messages", Event: "created", Data: Data{ID: "m", RoomID: "r"}}
	if got, want := env.Subject(16), EventSubject("messages", "created", Partition("r", 16)); got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	env.Data.RoomID = ""
	if got, want := env.Subject(16), EventSubject("messages", "created", Partition("m", 16)); got != want {
		t.Errorf("Subject without room = %q, want %q", got, want)
	}
}

func TestDedupKey(t *testing.T) {
	created := &Envelope{Resource: "messages", Event: "created", ID: "wh1", Data: Data{ID: "m1"}}
	other := *created
	other.ID = "wh2"
	if DedupKey(created, []byte("a")) != DedupKey(&other, []byte("b")) {
		t.Error("created: key should depend only on resource, event and data.id")
	}
	updated := &Envelope{Resource: "memberships", Event: "updated", Data: Data{ID: "x"}}
	if DedupKey(updated, []byte("a")) == DedupKey(updated, []byte("b")) {
		t.Error("updated: different bodies must give different keys")
	}
	if DedupKey(updated, []byte("a")) != DedupKey(updated, []byte("a")) {
		t.Error("updated: same body must give the same key")
	}
}

func TestSubjectTokens(t *testing.T) {
	tests := []struct {
		name, subject, resource, event string
		partition                      int
		ok                             bool
	}{
		{"event", EventSubject("messages", "created", 7), "messages", "created", 7, true},
		{"replay", ReplaySubject("echo", "messages", "created", 3), "messages", "created", 3, true},
		{"dlq", DLQSubject("echo"), "", "", 0, false},
		{"short", "webex.events.messages", "", "", 0, false},
		{"bad partition", "webex.events.messages.created.x", "", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, e, p, ok := SubjectTokens(tt.subject)
			if r != tt.resource || e != tt.event || p != tt.partition || ok != tt.ok {
				t.Errorf("SubjectTokens(%q) = %q %q %d %v", tt.subject, r, e, p, ok)
			}
		})
	}
}
