package shipped

import (
	"slices"
	"testing"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// TestTheDefaultWebhooksAreTheShippedOnes keeps the default of
// --webhook-resources, written out so that ingest does not import the
// worker types, equal to what the shipped worker types consume.
func TestTheDefaultWebhooksAreTheShippedOnes(t *testing.T) {
	t.Parallel()
	wanted, err := webhooks.ParseEvents(app.DefaultWebhookResources)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(wanted, Events()) {
		t.Errorf("app.DefaultWebhookResources = %v, the shipped worker types consume %v", wanted, Events())
	}
}
