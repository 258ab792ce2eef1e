package replay

import "errors"

// Errors of Run. Match them with errors.Is.
var (
	// ErrUnknownWorker means the worker type has no durable consumer: it
	// never ran, so there is nothing to replay to. A new worker type takes
	// past events with its start position (--start-at) instead.
	ErrUnknownWorker = errors.New("no such worker")
	// ErrNothingSelected means the resource and event asked for are not
	// among the events the worker consumes.
	ErrNothingSelected = errors.New("the worker does not consume these events")
	// ErrRunMismatch means a run id was given that an earlier run to
	// another worker type already uses.
	ErrRunMismatch = errors.New("the run id belongs to another replay")
	// ErrInvalidOptions wraps every problem Options.Validate finds.
	ErrInvalidOptions = errors.New("invalid replay options")
)
