package bench

import "errors"

var (
	// ErrNotLoopback means a URL names a host that is not a loopback
	// address; the tool refuses to load anything else.
	ErrNotLoopback = errors.New("bench: only loopback targets are allowed")
	// ErrInvalidConfig wraps every setting Validate refuses.
	ErrInvalidConfig = errors.New("bench: invalid config")
)
