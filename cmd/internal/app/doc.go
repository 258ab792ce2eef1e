// Package app holds what only the shipped webexpipe binaries share: ingest's
// settings, the webhook settings of ingest and `webexpipe webhooks` (the
// check itself is in workers/webex/webhooks), and the settings of the
// operator commands. What a bot team's binaries need too is public, in
// cmd/process and cmd/workerkit; the shipped worker types are built in
// cmd/internal/shipped. Package app imports no worker package, so the
// ingest binary carries none.
package app
