package events

import "strings"

// RetryWorker is the worker type that re-runs stored Webex calls: it names
// the durable consumer on WEBEX_CALLS and the DLQ subject of calls that were
// given up on (webex.dlq.retry).
const RetryWorker = "retry"

// CallsFilter matches every stored call, whichever worker stored it.
const CallsFilter = callsPrefix + ">"

// CallSubject is where one stored Webex call of the default bot lives:
// webex.calls.<worker>.<id> (BotCallSubject for any bot). Each call has a
// subject of its own and WEBEX_CALLS keeps one message per subject, so a
// record that replaces an older record of the same call (after another
// failed attempt) removes it in the same step: there is never more than one
// live record of a call. worker must pass ValidToken; id must be a subject
// token (callers use hex).
func CallSubject(worker, id string) string { return BotCallSubject(worker, DefaultBot, id) }

// BotCallSubject is where one stored call of bot lives:
// webex.calls.<worker>.<id> for the default bot,
// webex.calls.<worker>.<bot>.<id> for another.
func BotCallSubject(worker, bot, id string) string { return BotCallsSubject(worker, bot) + "." + id }

// CallSubjectTokens splits a call subject into the worker that stored the
// call, the bot it was made for and the call's id. ok is false for any
// other subject.
func CallSubjectTokens(subject string) (worker, bot, id string, ok bool) {
	rest, found := strings.CutPrefix(subject, callsPrefix)
	if !found {
		return "", "", "", false
	}
	parts := strings.Split(rest, ".")
	for _, p := range parts {
		if p == "" {
			return "", "", "", false
		}
	}
	switch len(parts) {
	case 2:
		return parts[0], DefaultBot, parts[1], true
	case 3:
		if parts[1] == DefaultBot || !ValidBot(parts[1]) {
			return "", "", "", false
		}
		return parts[0], parts[1], parts[2], true
	}
	return "", "", "", false
}

// DLQFilter matches the dead letters of every worker type.
const DLQFilter = dlqPrefix + ">"
