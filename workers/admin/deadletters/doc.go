// Package deadletters reads and acts on WEBEX_DLQ for operators: list the
// dead letters with their reasons, show one with its history, send selected
// ones back to be handled again (redrive), and delete them (purge). The
// `webexpipe dlq` commands are a thin layer over it.
//
// A dead letter is either an event a worker gave up on (webex.dlq.<worker>,
// the webhook's raw body) or a Webex call the retry worker gave up on
// (webex.dlq.retry, the call record with every attempt).
package deadletters
