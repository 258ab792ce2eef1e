package backfill

import "errors"

// Errors of Run. Match them with errors.Is.
var (
	// ErrInvalidOptions wraps every problem Options.Validate finds.
	ErrInvalidOptions = errors.New("invalid backfill options")
	// ErrUnknownRoom means a room asked for is not one the bot is in.
	ErrUnknownRoom = errors.New("the bot is not in this room")
)
