package emulator

import (
	"maps"
	"net/http"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// AddAttachmentAction stores a card submission as given and sends the
// attachmentActions/created webhooks it triggers. Unlike SubmitCard it
// checks nothing (the message need not exist or carry a card), so tests can
// make the odd submissions a worker must survive. Empty fields get
// defaults: ID, Created, Type "submit", RoomID from the message when it is
// known, PersonID of DefaultUserEmail.
func (s *Server) AddAttachmentAction(a webex.AttachmentAction) webex.AttachmentAction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storeActionLocked(a)
}

// getAttachmentAction answers for the submissions of the calling bot's
// cards (actionBotLocked); others are 404.
func (s *Server) getAttachmentAction(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a, ok := s.st.actions[r.PathValue("id")]
	ok = ok && s.actionBotLocked(a) == caller(r)
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
