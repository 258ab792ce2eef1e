// Package process is what every webexpipe process takes from its command
// line and its environment: flags bound to environment variables of the
// same name (BindEnv), logs, the NATS connection, the Webex token, the
// /metrics, /healthz and /readyz listener, the profiling listener, and how a
// command ends (Execute). It is public so that a bot team's own binaries
// read their settings the way the shipped ones do.
//
// Like everything under cmd/ it may read flags, the environment and
// signals; the packages it configures (ingest, workers, events) never do.
// It imports no worker package, so ingest does not carry the workers.
package process
