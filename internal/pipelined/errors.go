package pipelined

import "errors"

var (
	// ErrStopped means an earlier publish failed, so the message was not
	// sent; call Wait, then publish again from the first unacknowledged
	// message. It wraps the first failure.
	ErrStopped = errors.New("pipelined publish stopped by an earlier failure")
	// ErrAckTimeout means no acknowledgement came within AckTimeout. The
	// message may have been stored.
	ErrAckTimeout = errors.New("no acknowledgement in time")
)
