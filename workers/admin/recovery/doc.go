// Package recovery backfills, without an operator, the messages whose
// webhooks were lost while a webhook was disabled.
//
// Webex disables a webhook after 100 failed deliveries within five
// minutes, never re-enables it by itself and never sends again what it
// could not deliver. The webhook watchdog (workers/webex/webhooks) sees the
// webhook disabled, re-activates it and, through the webhooks.Recovery
// interface, hands this package the outage that ended: from the moment it
// first saw the webhook disabled until it saw it active again. A Recoverer
// turns that into a window of lost messages and backfills it the way
// `webexpipe backfill` does (workers/admin/backfill): the same synthetic
// messages/created events with the dedup key a webhook would have carried,
// so an event the stream holds is never stored again, and the workers'
// idempotency markers keep a message from being answered twice.
//
// A watchdog that starts after no watchdog ran for a while hands over that
// time too (webhooks.CauseWatchdogAbsent): nobody watched the webhooks,
// and on one machine the watchdog being down is ingest being down.
//
// # The window
//
// The window starts Options.Lookback before the outage's first sighting:
// the deliveries that failed before Webex disabled the webhook (up to
// five minutes of them), and the time until the watchdog looked. It ends
// when the webhook was seen active again. A window longer than
// Options.MaxWindow is cut to its latest part: a message older than that
// gets no answer it would still want, and an operator can backfill the
// rest by hand (the log line says from when).
//
// # Bounded
//
// A recovery lists at most Options.MaxRooms rooms and stores at most
// Options.MaxMessages messages; when a cap cuts it short, the rest is left
// to an operator, logged with the window left and counted. It does not
// carry on in a later run: a long outage must not turn into a flood of
// late answers behind the operator's back.
//
// # Restarts and repeats
//
// The recoveries waiting or under way are kept in the webhooks bucket
// (events.RecoveryGapsKey), and every room has a cursor there
// (events.RecoveryRoomKeyPrefix): the time up to which its messages were
// recovered. A restarted watchdog resumes a recovery, and skips the rooms
// it finished; a recovery of a window already recovered lists nothing. One
// process runs recoveries at a time, holding a lease (events.
// RecoveryLockKey), so watchdogs in several ingest replicas take turns.
//
// # What cannot be recovered
//
// Only messages: Webex lists a room's messages, but has no list of card
// submissions (attachmentActions) or of membership changes to read back.
// An outage of such a webhook is logged with its window and counted
// (webexpipe_recovery_unrecoverable_total); those events are lost.
package recovery
