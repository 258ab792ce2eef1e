package main

import (
	"fmt"
	"io"
	"time"

	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// printHooks writes one line per webhook; a secret shows as "set", never
// as itself.
func printHooks(w io.Writer, hooks []webhooks.Hook) error {
	t := output.NewTable(w, "ID", "NAME", "RESOURCE/EVENT", "STATUS", "SECRET", "MANAGED", "TARGET", "NOTE")
	for _, h := range hooks {
		secret := "none"
		if h.Secret {
			secret = "set"
		}
		t.Row(h.ID, h.Name, h.Resource+"/"+h.Event, orDash(h.Status), secret, yesNo(h.Managed), h.TargetURL, orDash(hookNote(h)))
	}
	return t.Flush()
}

func hookNote(h webhooks.Hook) string {
	switch {
	case !h.DisabledSince.IsZero():
		return fmt.Sprintf("disabled since %s at least; re-activation from %s",
			h.DisabledSince.UTC().Format(time.RFC3339), h.ReactivateAfter.UTC().Format(time.RFC3339))
	case h.Filter != "":
		return "filter " + h.Filter
	}
	return ""
}

// printEnsureReport writes what an ensure did, one line per webhook.
func printEnsureReport(w io.Writer, rep *webhooks.Report) error {
	for _, a := range rep.Actions {
		fmt.Fprintln(w, actionLine(a))
	}
	if rep.Foreign > 0 {
		fmt.Fprintf(w, "%d webhooks of others left alone\n", rep.Foreign)
	}
	switch off := len(rep.Disabled()); {
	case off > 0:
		fmt.Fprintf(w, "%d wanted webhooks still disabled: none of their events reaches ingest until they are re-activated\n", off)
	case !rep.Changed():
		fmt.Fprintln(w, "nothing to change")
	}
	return nil
}

// actionLine is one Action for people.
func actionLine(a webhooks.Action) string {
	s := fmt.Sprintf("%-11s %s (%s)", a.Kind, a.Name, a.WebhookID)
	if a.Detail != "" {
		s += ": " + a.Detail
	}
	if a.Kind == webhooks.KindWaiting {
		s += fmt.Sprintf("; disabled (first seen %s), re-activated from %s (five-minute rule): run ensure again then, or keep `webexpipe webhooks watch` running",
			a.Since.UTC().Format(time.RFC3339), a.At.UTC().Format(time.RFC3339))
	}
	return s
}
