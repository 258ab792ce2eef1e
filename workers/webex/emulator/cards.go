package emulator

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// CardSubmit is a user pressing a card's submit button. The JSON form is
// the body of POST /_sim/messages/{messageId}/submit, which takes the
// message id from the path.
type CardSubmit struct {
	// MessageID is the message carrying the card.
	MessageID string `json:"messageId,omitempty"`
	// PersonEmail is the user; empty means DefaultUserEmail. Unknown users
	// are created on first use.
	PersonEmail string `json:"personEmail,omitempty"`
	// Inputs are what the card submits, as Webex stores them: the value of
	// each input by its id, merged with the data of the pressed
	// Action.Submit (e.g. {"action": "demo"}).
	Inputs map[string]any `json:"inputs,omitempty"`
}

// Errors of SubmitCard, matched with errors.Is.
var (
	// ErrNoMessage means the message to submit does not exist.
	ErrNoMessage = errors.New("emulator: no such message")
	// ErrNoCard means the message exists but carries no adaptive card:
	// there is nothing to submit.
	ErrNoCard = errors.New("emulator: the message has no card")
	// ErrCannotSubmit means this person cannot press the card: the bot
	// itself, or a user outside the card's direct room.
	ErrCannotSubmit = errors.New("emulator: this person cannot submit the card")
)

// SubmitCard submits a card as a user, as Webex does when the user presses
// a card's Action.Submit: it stores an attachment action (type "submit",
// the card's message and room, the inputs) and sends the
// attachmentActions/created webhooks it triggers. Like Webex it refuses a
// message it does not know (ErrNoMessage), one without a card (ErrNoCard),
// and a submitter who cannot see the card (ErrCannotSubmit).
func (s *Server) SubmitCard(cs CardSubmit) (webex.AttachmentAction, error) {
	if cs.PersonEmail == "" {
		cs.PersonEmail = DefaultUserEmail
	}
	if !strings.Contains(cs.PersonEmail, "@") {
		return webex.AttachmentAction{}, fmt.Errorf("%w: personEmail %q is not an email address", ErrCannotSubmit, cs.PersonEmail)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.st.messages[cs.MessageID]
	switch {
	case m == nil:
		return webex.AttachmentAction{}, fmt.Errorf("%w: %s", ErrNoMessage, cs.MessageID)
	case !hasCard(m.Attachments):
		return webex.AttachmentAction{}, fmt.Errorf("%w: message %s", ErrNoCard, cs.MessageID)
	case s.isBotEmail(cs.PersonEmail):
		return webex.AttachmentAction{}, fmt.Errorf("%w: %s is the bot", ErrCannotSubmit, cs.PersonEmail)
	}
	user := s.userLocked(cs.PersonEmail)
	if rm := s.st.rooms[m.RoomID]; rm != nil && rm.Type == "direct" && rm.user != user.ID {
		return webex.AttachmentAction{}, fmt.Errorf("%w: %s is not in the direct room of the card", ErrCannotSubmit, cs.PersonEmail)
	}
	a := s.storeActionLocked(webex.AttachmentAction{
		MessageID: m.ID, RoomID: m.RoomID, PersonID: user.ID, Inputs: cs.Inputs,
	})
	return a, nil
}

// hasCard reports whether attachments hold an adaptive card.
func hasCard(attachments []webex.Attachment) bool {
	return slices.ContainsFunc(attachments, func(a webex.Attachment) bool {
		return a.ContentType == webex.AdaptiveCardContentType
	})
}

// storeActionLocked fills an attachment action's defaults, stores it and
// announces it; it returns a copy. It must be called with s.mu held.
func (s *Server) storeActionLocked(a webex.AttachmentAction) webex.AttachmentAction {
	a.Inputs = maps.Clone(a.Inputs)
	if a.ID == "" {
		a.ID = newID("ATTACHMENT_ACTION")
	}
	if a.Created == "" {
		a.Created = formatTime(s.now())
	}
	if a.Type == "" {
		a.Type = "submit"
	}
	if m := s.st.messages[a.MessageID]; m != nil && a.RoomID == "" {
		a.RoomID = m.RoomID
	}
	if a.PersonID == "" {
		a.PersonID = s.userLocked(DefaultUserEmail).ID
	}
	stored := a
	s.st.actions[a.ID] = &stored
	s.st.changed()
	s.emitActionLocked(&stored)
	a.Inputs = maps.Clone(a.Inputs)
	return a
}
