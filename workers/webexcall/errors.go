package webexcall

import "errors"

// ErrTokenRefused means Webex answered 401 to the bot token: it is wrong,
// expired or revoked. The worker stops fetching until a check of the token
// succeeds (see TokenRefusedError).
var ErrTokenRefused = errors.New("Webex refuses the bot token (401)")

// ErrAlreadyStored means a write was not sent because a record of the same
// call already waits on WEBEX_CALLS: the event was redelivered after its
// call was stored. It comes wrapped in a workers.Deferred error.
var ErrAlreadyStored = errors.New("call already stored for the retry worker")

// StoredError is the cause inside the workers.Deferred error a handler gets
// when its failed write was stored for the retry worker. Err is the
// client's error, so errors.As still finds the *webex.APIError.
type StoredError struct {
	CallID string
	Err    error
}

func (e *StoredError) Error() string {
	return "stored for the retry worker as call " + e.CallID + ": " + e.Err.Error()
}

func (e *StoredError) Unwrap() error { return e.Err }
