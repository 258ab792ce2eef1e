// Package app holds what the webexpipe binaries share: flags bound to
// environment variables, logging, the NATS connection, and the wiring of
// ingest and workers from their settings. It is the only place below cmd/
// main packages that knows about flags and the environment; the components
// it wires (ingest, workers, events) never read either.
package app
