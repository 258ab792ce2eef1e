package events

import "strings"

// RetryWorker is the worker type that re-runs stored Webex calls: it names
// the durable consumer on WEBEX_CALLS and the DLQ subject of calls that were
// given up on (webex.dlq.retry).
const RetryWorker = "retry"

// CallsFilter matches every stored call, whichever worker stored it.
const CallsFilter = callsPrefix + ">"

// CallSubject is where one stored Webex call lives:
// webex.calls.<worker>.<id>. Each call has a subject of its own and
// WEBEX_CALLS keeps one message per subject, so a record that replaces an
// older record of the same call (after another failed attempt) removes it in
// the same step: there is never more than one live record of a call.
// worker must pass ValidToken; id must be a subject token (callers use hex).
func CallSubject(worker, id string) string { return CallsSubject(worker) + "." + id }

// CallSubjectTokens splits a call subject into the worker that stored the
// call and the call's id. ok is false for any other subject.
func CallSubjectTokens(subject string) (worker, id string, ok bool) {
	rest, found := strings.CutPrefix(subject, callsPrefix)
	if !found {
		return "", "", false
	}
	worker, id, found = strings.Cut(rest, ".")
	if !found || worker == "" || id == "" || strings.Contains(id, ".") {
		return "", "", false
	}
	return worker, id, true
}

// DLQFilter matches the dead letters of every worker type.
const DLQFilter = dlqPrefix + ">"
