package shipped

import (
	"slices"
	"testing"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
)

// TestIngestExpectsTheShippedWebhooks keeps ingest's default webhook check,
// written out so that ingest does not import the worker types, equal to
// what the shipped worker types consume.
func TestIngestExpectsTheShippedWebhooks(t *testing.T) {
	t.Parallel()
	if !slices.Equal(app.DefaultExpectedWebhooks, Events()) {
		t.Errorf("app.DefaultExpectedWebhooks = %v, the shipped worker types consume %v", app.DefaultExpectedWebhooks, Events())
	}
}
