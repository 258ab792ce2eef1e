package webhooks

import "errors"

// Errors of this package. Match them with errors.Is.
var (
	// ErrInvalidSpec means a Spec or Options cannot work; the text says why.
	ErrInvalidSpec = errors.New("invalid webhook spec")
	// ErrLockTimeout means another process held the ensure lock for longer
	// than Options.LockWait.
	ErrLockTimeout = errors.New("webhook lock not acquired in time")
	// ErrNotManaged means a webhook to delete does not carry the managed
	// name prefix.
	ErrNotManaged = errors.New("webhook not managed by webexpipe")
	// ErrNoSuchWebhook means no webhook has the id asked for.
	ErrNoSuchWebhook = errors.New("no such webhook")
	// ErrStillDisabled means an Ensure left a wanted webhook disabled
	// (waiting for the five-minute rule): it ran without error, but until
	// that webhook is re-activated none of its events reaches ingest.
	ErrStillDisabled = errors.New("webhook still disabled")
)
