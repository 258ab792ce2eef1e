package bots

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
)

func TestSingle(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	secretFile := filepath.Join(dir, "secrets")
	if err := os.WriteFile(tokenFile, []byte(" file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secretFile, []byte("file-1\n\n file-2 \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	msgs := events.ResourceEvent{Resource: "messages", Event: "created"}
	cards := events.ResourceEvent{Resource: "attachmentActions", Event: "created"}
	tests := []struct {
		name        string
		in          SingleSettings
		token       string
		source      SourceKind
		secrets     []string
		resources   []events.ResourceEvent
		wantPause   time.Duration
		wantTarget  string
		wantErr     error
		wantNoToken bool
	}{
		{name: "token and secrets as values", in: SingleSettings{Token: "tok", Secrets: []string{"new", " old "}, Resources: []string{"messages", "attachmentActions"}},
			token: "tok", source: SourceSetting, secrets: []string{"new", "old"}, resources: []events.ResourceEvent{msgs, cards}},
		{name: "a value with commas, as the variable holds it", in: SingleSettings{Token: "tok", Secrets: []string{"a,b"}},
			token: "tok", source: SourceSetting, secrets: []string{"a", "b"}},
		{name: "files", in: SingleSettings{TokenFile: tokenFile, SecretFile: secretFile, Resources: []string{"messages/created"}},
			token: "file-token", source: SourceFile, secrets: []string{"file-1", "file-2"}, resources: []events.ResourceEvent{msgs}},
		{name: "the value wins over the file", in: SingleSettings{Token: "tok", TokenFile: tokenFile},
			token: "tok", source: SourceSetting},
		{name: "both secret settings add up", in: SingleSettings{Secrets: []string{"flag"}, SecretFile: secretFile},
			source: SourceNone, secrets: []string{"flag", "file-1", "file-2"}, wantNoToken: true},
		{name: "no token, as ingest may run", in: SingleSettings{Secrets: []string{"s"}},
			source: SourceNone, secrets: []string{"s"}, wantNoToken: true},
		{name: "a resource twice is taken once", in: SingleSettings{Resources: []string{"messages", "messages/created"}},
			source: SourceNone, resources: []events.ResourceEvent{msgs}, wantNoToken: true},
		{name: "the other settings", in: SingleSettings{Token: "t", MaxPause: time.Minute, TargetURL: "https://x.example/webhooks/webex"},
			token: "t", source: SourceSetting, wantPause: time.Minute, wantTarget: "https://x.example/webhooks/webex"},
		{name: "missing token file", in: SingleSettings{TokenFile: filepath.Join(dir, "nothing")}, wantErr: fs.ErrNotExist},
		{name: "missing secret file", in: SingleSettings{SecretFile: filepath.Join(dir, "nothing")}, wantErr: fs.ErrNotExist},
		{name: "bad resources", in: SingleSettings{Resources: []string{"a b"}}, wantErr: events.ErrUnsafeToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Single(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.IDs(), []string{DefaultBotID}) {
				t.Fatalf("IDs = %v", r.IDs())
			}
			b, _ := r.Bot(DefaultBotID)
			if b.Token.Reveal() != tt.token || b.TokenSource != tt.source || b.Token.IsZero() != tt.wantNoToken {
				t.Errorf("token %q from %s, want %q from %s", b.Token.Reveal(), b.TokenSource, tt.token, tt.source)
			}
			if len(b.Webhooks) != 1 || b.Webhooks[0].ID != "" {
				t.Fatalf("webhooks = %+v, want one without an id", b.Webhooks)
			}
			if got := reveal(b.Secrets()); !reflect.DeepEqual(got, tt.secrets) {
				t.Errorf("secrets = %q, want %q", got, tt.secrets)
			}
			if got := b.Resources(); !reflect.DeepEqual(got, tt.resources) {
				t.Errorf("resources = %v, want %v", got, tt.resources)
			}
			if b.MaxPause != tt.wantPause || b.TargetURL != tt.wantTarget {
				t.Errorf("settings %v %q", b.MaxPause, b.TargetURL)
			}
		})
	}
}
