package main

import (
	"strings"
	"testing"
)

// Webhooks that could not be listed (a wrong token: 401) are reported as
// unknown, never as "none", which would send an operator looking for a
// missing registration; the consumers' column says what it counts.
func TestStatusWhenTheWebhooksCannotBeRead(t *testing.T) {
	e := newOpsEnv(t)
	out, errOut, err := runCLI(t, "status", "--nats-url", e.natsURL, "--webex-token", "not-the-token", "--webex-api-url", e.Sim.URL())
	if err == nil {
		t.Fatalf("status succeeded with webhooks it could not read:\n%s", out)
	}
	for _, want := range []string{"WEBHOOKS", "unknown: they could not be listed", "not read:", "webhooks: ", "PULL REQUESTS"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s\nstderr:\n%s", want, out, errOut)
		}
	}
	for _, wrong := range []string{"no event reaches ingest", "PULLING"} {
		if strings.Contains(out, wrong) {
			t.Errorf("stdout says %q:\n%s", wrong, out)
		}
	}
}
