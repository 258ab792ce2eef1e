package ingest

import "errors"

var (
	// ErrNoSecret means the configuration has no non-empty webhook secret
	// and is not Insecure: every delivery would be refused.
	ErrNoSecret = errors.New("ingest: no webhook secret configured (set one, or Insecure for dev only)")
	// ErrInvalidConfig wraps every other configuration value that cannot
	// work; the message names the field, never a secret.
	ErrInvalidConfig = errors.New("ingest: invalid config")
	// ErrNotStored means JetStream did not acknowledge an event; the
	// delivery was answered 503 (or 413 when it can never fit).
	ErrNotStored = errors.New("event not stored")
	// ErrShutdownTimeout means in-flight requests did not finish within
	// ServerConfig.ShutdownTimeout; their connections were closed.
	ErrShutdownTimeout = errors.New("ingest: graceful shutdown timed out")
)
