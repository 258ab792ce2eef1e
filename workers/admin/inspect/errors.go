package inspect

import "errors"

// ErrNotFound means no event has the sequence asked for (never stored, or
// expired).
var ErrNotFound = errors.New("no such event")
