package webextest

import (
	"maps"
	"net/http"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// AddAttachmentAction stores a card submission, as if a user had pressed a
// card's submit button, and sends the attachmentActions/created webhooks it
// triggers. Empty fields get defaults: ID, Created, Type "submit", RoomID
// from the message when it is known, PersonID of DefaultUserEmail.
func (s *Server) AddAttachmentAction(a webex.AttachmentAction) webex.AttachmentAction {
	s.mu.Lock()
	defer s.mu.Unlock()
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
	s.emitActionLocked(&stored)
	a.Inputs = maps.Clone(a.Inputs)
	return a
}

func (s *Server) getAttachmentAction(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a, ok := s.st.actions[r.PathValue("id")]
	var out webex.AttachmentAction
	if ok {
		out = *a
		out.Inputs = maps.Clone(a.Inputs)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, notFound("attachment action"))
		return
	}
	writeJSON(w, http.StatusOK, out)
}
