// Package memberships is the memberships worker: it logs who joins and
// leaves the rooms the bot is in, and counts it.
//
// It is the README's worked example of adding a worker type, so it is kept
// to what every worker type has: the events it consumes (Events), a
// handler, and a config. It calls no Webex API and so needs no token; the
// echo and cards workers show handlers that do. Started for the first time
// with a start position (workers.Config.StartAt, --start-at) it also
// handles the memberships already stored, which is how a new worker type
// catches up on history.
package memberships
