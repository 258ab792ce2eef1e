package emulator

import (
	"net/http"
	"slices"
	"strings"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// getMe answers with the bot whose token the request carries.
func (s *Server) getMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, caller(r).info().Person)
}

// getPerson answers for the bots and every simulated user.
func (s *Server) getPerson(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.st.people[r.PathValue("id")]
	var out webex.Person
	if ok {
		out = clonePerson(p)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, notFound("person"))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// userLocked returns the simulated user with email, creating them on first
// use. It must be called with s.mu held.
func (s *Server) userLocked(email string) *webex.Person {
	if id, ok := s.st.byEmail[emailKey(email)]; ok {
		return s.st.people[id]
	}
	name, _, _ := strings.Cut(email, "@")
	p := &webex.Person{
		ID:          newID("PEOPLE"),
		Emails:      []string{email},
		DisplayName: name,
		FirstName:   name,
		OrgID:       s.bots[0].person.OrgID,
		Type:        "person",
		Created:     formatTime(s.now()),
	}
	s.st.people[p.ID] = p
	s.st.byEmail[emailKey(email)] = p.ID
	s.st.changed()
	return p
}

// isBotEmail reports whether email is one of the bots'. It must be called
// with s.mu held.
func (s *Server) isBotEmail(email string) bool {
	id, ok := s.st.byEmail[emailKey(email)]
	return ok && s.botByPerson(id) != nil
}

func primaryEmail(p *webex.Person) string {
	if len(p.Emails) == 0 {
		return ""
	}
	return p.Emails[0]
}

func clonePerson(p *webex.Person) webex.Person {
	c := *p
	c.Emails = slices.Clone(p.Emails)
	return c
}
