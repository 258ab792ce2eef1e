package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// RoomInfo is a room as the control API lists it: what GET /v1/rooms/{id}
// answers, with who a direct room is with and how many messages it holds.
type RoomInfo struct {
	ID           string `json:"id"`
	Title        string `json:"title"`
	Type         string `json:"type"` // "direct" or "group"
	LastActivity string `json:"lastActivity"`
	Created      string `json:"created"`
	// UserEmail is the bot's counterpart in a direct room; empty for a group.
	UserEmail string `json:"userEmail,omitempty"`
	// Bots are the short ids of the bots in the room (see BotSpec).
	Bots     []string `json:"bots"`
	Messages int      `json:"messages"`
}

// Rooms returns every room, oldest first.
func (s *Server) Rooms() []RoomInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := make([]*room, 0, len(s.st.rooms))
	for _, rm := range s.st.rooms {
		all = append(all, rm)
	}
	sortBySeq(all, func(rm *room) int64 { return rm.seq })
	out := make([]RoomInfo, len(all))
	for i, rm := range all {
		out[i] = s.roomInfoLocked(rm)
	}
	return out
}

// roomInfoLocked describes rm. It must be called with s.mu held.
func (s *Server) roomInfoLocked(rm *room) RoomInfo {
	ri := RoomInfo{ID: rm.ID, Title: rm.Title, Type: rm.Type, LastActivity: rm.LastActivity, Created: rm.Created, Messages: len(rm.msgs)}
	if p := s.st.people[rm.user]; p != nil {
		ri.UserEmail = primaryEmail(p)
	}
	ri.Bots = []string{}
	for _, b := range s.roomBotsLocked(rm) {
		ri.Bots = append(ri.Bots, b.id)
	}
	return ri
}

// Users returns the simulated users (everyone but the bots), by email.
func (s *Server) Users() []webex.Person {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]webex.Person, 0, len(s.st.people))
	for _, p := range s.st.people {
		if s.botByPerson(p.ID) == nil {
			out = append(out, clonePerson(p))
		}
	}
	sortByKey(out, func(p webex.Person) string { return emailKey(primaryEmail(&p)) })
	return out
}

// NewRoom describes a group room to create. The JSON form is the body of
// POST /_sim/rooms.
type NewRoom struct {
	// Title names the room; empty means "Emulated space".
	Title string `json:"title,omitempty"`
	// CreatorEmail is the user who creates it; empty means
	// DefaultUserEmail. Unknown users are created.
	CreatorEmail string `json:"creatorEmail,omitempty"`
	// Bots are the short ids of the bots in it (see BotSpec); empty
	// means the first bot alone.
	Bots []string `json:"bots,omitempty"`
}

// ErrInvalidRoom is wrapped by CreateRoom's errors.
var ErrInvalidRoom = errors.New("emulator: invalid room")

// maxTitleBytes bounds a room title.
const maxTitleBytes = 256

// CreateRoom creates a group room with its bots in it. Like the rooms a user
// message creates, it is announced to no webhook (the emulator keeps no
// membership list). Direct rooms need no creating: a user's first message
// without a roomId opens theirs.
func (s *Server) CreateRoom(nr NewRoom) (RoomInfo, error) {
	nr.Title = strings.TrimSpace(nr.Title)
	if nr.Title == "" {
		nr.Title = "Emulated space"
	}
	if nr.CreatorEmail == "" {
		nr.CreatorEmail = DefaultUserEmail
	}
	switch {
	case len(nr.Title) > maxTitleBytes:
		return RoomInfo{}, fmt.Errorf("%w: the title may have at most %d bytes", ErrInvalidRoom, maxTitleBytes)
	case !strings.Contains(nr.CreatorEmail, "@"):
		return RoomInfo{}, fmt.Errorf("%w: creatorEmail %q is not an email address", ErrInvalidRoom, nr.CreatorEmail)
	}
	bots := []string{s.bots[0].person.ID}
	if len(nr.Bots) > 0 {
		bots = bots[:0]
		for _, id := range nr.Bots {
			b, err := s.lookupBot(id)
			if err != nil {
				return RoomInfo{}, fmt.Errorf("%w: %w", ErrInvalidRoom, err)
			}
			if !slices.Contains(bots, b.person.ID) {
				bots = append(bots, b.person.ID)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isBotEmail(nr.CreatorEmail) {
		return RoomInfo{}, fmt.Errorf("%w: %s is a bot", ErrInvalidRoom, nr.CreatorEmail)
	}
	creator := s.userLocked(nr.CreatorEmail)
	return s.roomInfoLocked(s.roomLocked("", "group", nr.Title, creator.ID, "", bots...)), nil
}

// simRooms is GET /_sim/rooms.
func (s *Server) simRooms(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, items[RoomInfo]{Items: s.Rooms()})
}

// simCreateRoom is POST /_sim/rooms.
func (s *Server) simCreateRoom(w http.ResponseWriter, r *http.Request) {
	var nr NewRoom
	if e := decodeBody(r, &nr, false); e != nil {
		writeError(w, e)
		return
	}
	rm, err := s.CreateRoom(nr)
	if err != nil {
		writeError(w, failf(http.StatusBadRequest, "%v", err))
		return
	}
	writeJSON(w, http.StatusOK, rm)
}

// people is the answer of GET /_sim/people.
type people struct {
	Bot   webex.Person   `json:"bot"` // the first bot; GET /_sim/bots lists them all
	Items []webex.Person `json:"items"`
}

// simPeople is GET /_sim/people: the first bot, and the users.
func (s *Server) simPeople(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, people{Bot: s.Bot(), Items: s.Users()})
}
