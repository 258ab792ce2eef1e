package adaptive

import (
	"fmt"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// Attach puts the card a on req, to be sent with webex.Client.SendMessage.
// req must carry the fallback in Text or Markdown (shown by clients that
// cannot render cards, and in notifications) and no other attachment. The
// card is checked (see Check) and the whole request validated, so that
// Webex's limits, such as webex.MaxTextBytes of text, fail here with a clear
// error rather than as a 400 from Webex. On error req is left unchanged.
func Attach(req *webex.MessageRequest, a webex.Attachment) error {
	switch {
	case req == nil:
		return fmt.Errorf("%w: message request is nil", webex.ErrInvalidRequest)
	case len(req.Attachments) > 0:
		return fmt.Errorf("%w: the message already has %d", ErrTooManyCards, len(req.Attachments))
	case req.Text == "" && req.Markdown == "":
		return ErrNoFallback
	}
	if err := Check(a); err != nil {
		return err
	}
	with := *req
	with.Attachments = []webex.Attachment{a}
	if err := with.Validate(); err != nil {
		return err
	}
	*req = with
	return nil
}
