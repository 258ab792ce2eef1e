package ingest

import (
	"fmt"
	"net/http"
	"time"

	"github.com/webexpipe/webexpipe/events"
)

// checkAge refuses a delivery whose event happened more than maxAge
// before now (maxAge <= 0: never). Webex signs no timestamp and sends no
// delivery id, so a captured delivery stays valid forever; the stream's
// duplicate window drops a copy only for a few minutes. The event's time
// is data.created: the envelope's own "created" is when the webhook was
// registered, which may be years ago. A delivery without data.created, or
// with one in a form RFC 3339 does not read, has no age to go by and is
// let through: its signature still holds.
//
// 403: the delivery is signed and well formed, but too old to trust.
func checkAge(env *events.Envelope, now time.Time, maxAge time.Duration) *rejection {
	if maxAge <= 0 || env.Data.Created == "" {
		return nil
	}
	created, err := time.Parse(time.RFC3339, env.Data.Created)
	if err != nil {
		return nil
	}
	age := now.Sub(created)
	if age <= maxAge {
		return nil
	}
	return &rejection{http.StatusForbidden, outcomeTooOld, fmt.Sprintf(
		"event too old: data.created is %s before it arrived, at most %s is accepted",
		age.Truncate(time.Second), maxAge)}
}
