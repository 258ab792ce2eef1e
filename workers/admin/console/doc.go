// Package console is the operations view: a small HTTP server an operator
// opens in a browser to see what `webexpipe status` and `webexpipe dlq`
// print, kept fresh: the streams, each worker type's backlog and the age of
// its oldest unhandled event, the rate-limit pauses, the webhooks on Webex
// and the dead letters, each of which can be shown in full.
//
// It reads through workers/admin/status and workers/admin/deadletters and
// changes nothing, with one exception an operator must ask for
// (Config.Write): sending a dead letter back (deadletters.Redrive). Write
// requests are refused across origins (a page elsewhere cannot make the
// operator's browser redrive).
//
// The view shows stored events, which may hold what users wrote: keep it
// on loopback, or give it a token (Config.Token), which CheckExposure
// requires of any other address. A token is accepted as a bearer token or
// as the password of HTTP basic authentication, so that a browser can ask
// for it.
package console
