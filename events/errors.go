package events

import "errors"

// Decoding and validation errors returned by Decode. They are wrapped with a
// short detail; match them with errors.Is. None of them ever carries a secret,
// and details quoting untrusted input are truncated.
var (
	// ErrMalformedJSON means the body is not a JSON object.
	ErrMalformedJSON = errors.New("malformed JSON")
	// ErrMissingResource means the envelope has no "resource".
	ErrMissingResource = errors.New("missing resource")
	// ErrMissingEvent means the envelope has no "event".
	ErrMissingEvent = errors.New("missing event")
	// ErrMissingDataID means the envelope has no "data" object with a string "id".
	ErrMissingDataID = errors.New("missing data.id")
	// ErrUnsafeToken means "resource" or "event" cannot be used as a subject
	// token (see ValidToken).
	ErrUnsafeToken = errors.New("unsafe subject token")
)
