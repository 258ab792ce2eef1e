package adaptive

import (
	"fmt"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// Errors returned by Check, Attach, Parse and Card.Attachment. Each wraps
// webex.ErrInvalidRequest: the message cannot be sent as it is, and sending
// it again unchanged cannot help. Match them with errors.Is.
var (
	// ErrInvalidCard means the attachment is not an adaptive card of the
	// shape Webex accepts; the error says what and where.
	ErrInvalidCard = fmt.Errorf("%w: invalid adaptive card", webex.ErrInvalidRequest)
	// ErrTooManyActions means the card has more than MaxActions buttons.
	ErrTooManyActions = fmt.Errorf("%w: too many actions", ErrInvalidCard)
	// ErrNoFallback means a card message has neither text nor markdown.
	ErrNoFallback = fmt.Errorf("%w: a card needs fallback text or markdown", webex.ErrInvalidRequest)
	// ErrTooManyCards means a message would carry more than one card.
	ErrTooManyCards = fmt.Errorf("%w: a message carries at most one card", webex.ErrInvalidRequest)
)
