package bots

import (
	"errors"
	"fmt"
)

// Errors of this package. Match them with errors.Is. A file that is not a
// registry at all wraps ErrFormat, one with too many bots ErrTooManyBots,
// one without bots ErrMissing; otherwise each problem is a *FieldError
// wrapping ErrInvalid and one of the reasons below.
var (
	// ErrInvalid means a registry's content is wrong; every *FieldError
	// wraps it.
	ErrInvalid = errors.New("invalid bot registry")
	// ErrFormat means the file is not a registry: not YAML or JSON, a key
	// that does not exist (the error names it), a value of the wrong type.
	ErrFormat = errors.New("not a bot registry")
	// ErrTooManyBots means the registry lists more than MaxBots bots.
	ErrTooManyBots = errors.New("too many bots")
	// ErrBadID means a bot or webhook id is not valid (see ValidID).
	ErrBadID = errors.New("not a valid id")
	// ErrDuplicate means a bot id, or a webhook id, is given twice.
	ErrDuplicate = errors.New("given twice")
	// ErrInlineSecret means a token or secret is written in the registry
	// itself instead of referenced with a _file or _env key.
	ErrInlineSecret = errors.New("secrets are never written in the registry: reference them with a _file or _env key")
	// ErrMissing means a required field is not given.
	ErrMissing = errors.New("missing")
	// ErrConflict means two fields that exclude each other are both given.
	ErrConflict = errors.New("conflicting fields")
	// ErrSecretRef means a secret reference does not resolve: the file
	// cannot be read or holds nothing, the variable is unset or empty.
	ErrSecretRef = errors.New("secret reference does not resolve")
	// ErrSharedSecret means two bots use the same token (one Webex bot
	// under two ids would answer twice), or the same webhook secret (a
	// delivery signed with it could claim to be either bot's).
	ErrSharedSecret = errors.New("secret shared by two bots")
	// ErrBadValue means a setting's value is not valid (a duration, a URL,
	// a resource/event pair).
	ErrBadValue = errors.New("bad value")
)

// FieldError is one problem with a registry: which bot, which field, what
// is wrong. It never holds a secret's value.
type FieldError struct {
	// Bot is the bot's id; empty when the bot's id is itself the problem,
	// or when the problem is not about one bot.
	Bot string
	// Index is the bot's position in the file, from 0.
	Index int
	// Field is the field's path within the bot, e.g. "webhooks[1].secret_file".
	Field string
	// Err says what is wrong: one of this package's reasons, possibly
	// wrapping the cause (a file that cannot be read).
	Err error
}

func (e *FieldError) Error() string {
	where := fmt.Sprintf("bots[%d]", e.Index)
	if e.Bot != "" {
		where = "bot " + e.Bot
	}
	if e.Field == "" {
		return where + ": " + e.Err.Error()
	}
	return where + ": " + e.Field + ": " + e.Err.Error()
}

// Unwrap lets errors.Is match both ErrInvalid and the reason.
func (e *FieldError) Unwrap() []error { return []error{ErrInvalid, e.Err} }
