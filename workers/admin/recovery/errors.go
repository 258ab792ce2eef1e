package recovery

import "errors"

// Errors of this package. Match them with errors.Is.
var (
	// ErrInvalidOptions wraps every problem Options.Validate finds.
	ErrInvalidOptions = errors.New("invalid recovery options")
	// ErrLeaseLost means another process took the recovery lease over
	// while this one ran (it had not renewed it within LeaseTTL): this one
	// stopped, the other carries on from the cursors.
	ErrLeaseLost = errors.New("recovery lease lost")
)
