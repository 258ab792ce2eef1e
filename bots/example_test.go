package bots

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestExampleRegistry loads the example the README shows, its references
// resolved as a deployment would mount them.
func TestExampleRegistry(t *testing.T) {
	r, err := LoadFile("../deploy/bots.example.yaml", Options{
		ReadFile: files(map[string]string{
			"/run/secrets/support-token":           "support-token",
			"/run/secrets/support-messages-secret": "m-new\nm-old\n",
			"/run/secrets/support-cards-secret":    "c\n",
		}),
		LookupEnv: env(map[string]string{"ALERTS_WEBEX_TOKEN": "alerts-token", "ALERTS_WEBHOOK_SECRET": "a"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.IDs(); !reflect.DeepEqual(got, []string{"alerts", "support"}) {
		t.Fatalf("IDs = %v", got)
	}
	b, w, ok := r.Webhook("Y2lzY29zcGFyazovL3VzL1dFQkhPT0svc3VwcG9ydC1jYXJkcw")
	if !ok || b.ID != "support" || len(w.Secrets) != 1 {
		t.Errorf("the cards webhook: %v %v %v", b, w, ok)
	}
	if a, _ := r.Bot("alerts"); len(a.Resources()) != 2 {
		t.Errorf("alerts resources: %v", a.Resources())
	}
}

// TestReadmeShowsTheExample: the README's "Many bots" section shows the
// example file as it is.
func TestReadmeShowsTheExample(t *testing.T) {
	example, err := os.ReadFile("../deploy/bots.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```yaml\n"+string(example)+"```\n") {
		t.Error("the README does not show deploy/bots.example.yaml as it is: copy it into the Many bots section")
	}
}
