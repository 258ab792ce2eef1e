package emulator

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// The control API (/_sim) drives and inspects the emulator from outside the
// process, e.g. from `webexpipe sim`. It needs no token: loopback use only.

func (s *Server) simPostMessage(w http.ResponseWriter, r *http.Request) {
	var um UserMessage
	if e := decodeBody(r, &um, false); e != nil {
		writeError(w, e)
		return
	}
	m, err := s.PostAsUser(um)
	if err != nil {
		writeError(w, failf(http.StatusBadRequest, "%v", err))
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// simRoomMessages is GET /_sim/rooms/{roomId}/messages; ?bot=ID keeps the
// messages that bot posted: its replies.
func (s *Server) simRoomMessages(w http.ResponseWriter, r *http.Request) {
	msgs := s.RoomMessages(r.PathValue("roomId"))
	if msgs == nil {
		writeError(w, notFound("room"))
		return
	}
	if id := r.URL.Query().Get("bot"); id != "" {
		b, err := s.lookupBot(id)
		if err != nil {
			writeError(w, failf(http.StatusBadRequest, "%v", err))
			return
		}
		msgs = slices.DeleteFunc(msgs, func(m webex.Message) bool { return m.PersonID != b.person.ID })
	}
	if msgs == nil {
		msgs = []webex.Message{}
	}
	writeJSON(w, http.StatusOK, items[webex.Message]{Items: msgs})
}

func (s *Server) simAddAttachmentAction(w http.ResponseWriter, r *http.Request) {
	var a webex.AttachmentAction
	if e := decodeBody(r, &a, false); e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, s.AddAttachmentAction(a))
}

// simSubmitCard is POST /_sim/messages/{id}/submit: a user presses the
// card's submit button. 404 for an unknown message, 400 for one without a
// card or a submitter who cannot see it.
func (s *Server) simSubmitCard(w http.ResponseWriter, r *http.Request) {
	var cs CardSubmit
	if e := decodeBody(r, &cs, false); e != nil {
		writeError(w, e)
		return
	}
	cs.MessageID = r.PathValue("id")
	a, err := s.SubmitCard(cs)
	switch {
	case errors.Is(err, ErrNoMessage):
		writeError(w, notFound("message"))
		return
	case errors.Is(err, ErrNoCard):
		writeError(w, failf(http.StatusBadRequest, "The message has no card to submit."))
		return
	case err != nil:
		writeError(w, failf(http.StatusBadRequest, "%v", err))
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// simCalls is GET /_sim/calls; ?last=N keeps the N latest.
func (s *Server) simCalls(w http.ResponseWriter, r *http.Request) {
	n := -1
	if v := r.URL.Query().Get("last"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 0 {
			writeError(w, failf(http.StatusBadRequest, "last must be a number of calls."))
			return
		}
	}
	writeJSON(w, http.StatusOK, items[Call]{Items: s.lastCalls(n)})
}

func (s *Server) simFaults(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, items[Fault]{Items: s.Faults()})
}

func (s *Server) simInjectFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	if e := decodeBody(r, &f, false); e != nil {
		writeError(w, e)
		return
	}
	if err := f.validate(); err != nil {
		writeError(w, failf(http.StatusBadRequest, "Invalid fault: %v.", err))
		return
	}
	if err := s.InjectFault(f); err != nil {
		writeError(w, failf(http.StatusBadRequest, "Invalid fault: %v.", err))
		return
	}
	writeJSON(w, http.StatusOK, f)
}

func (s *Server) simClearFaults(w http.ResponseWriter, r *http.Request) {
	s.ClearFaults()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) simDeliveries(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, items[Delivery]{Items: s.Deliveries()})
}

func (s *Server) simRedeliver(w http.ResponseWriter, r *http.Request) {
	i, err := strconv.Atoi(r.PathValue("i"))
	if err != nil {
		writeError(w, failf(http.StatusBadRequest, "The delivery index must be a number."))
		return
	}
	switch err := s.Redeliver(i); {
	case errors.Is(err, ErrNoDelivery):
		writeError(w, failf(http.StatusNotFound, "%v", err))
		return
	case err != nil:
		writeError(w, failf(http.StatusBadGateway, "%v", err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
