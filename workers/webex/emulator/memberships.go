package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// MembershipChange is a person joining or leaving a room. The JSON form is
// the body of POST /_sim/memberships.
type MembershipChange struct {
	// RoomID is the room; an unknown id creates a group room.
	RoomID string `json:"roomId"`
	// PersonEmail is who joins or leaves; unknown users are created.
	PersonEmail string `json:"personEmail"`
	// Event is "created" (joined, the default), "updated" or "deleted"
	// (left).
	Event       string `json:"event,omitempty"`
	IsModerator bool   `json:"isModerator,omitempty"`
}

// Membership is a membership as Webex announces it in a memberships event.
type Membership struct {
	ID                string `json:"id"`
	RoomID            string `json:"roomId"`
	RoomType          string `json:"roomType"`
	PersonID          string `json:"personId"`
	PersonEmail       string `json:"personEmail"`
	PersonDisplayName string `json:"personDisplayName"`
	IsModerator       bool   `json:"isModerator"`
	Created           string `json:"created"`
}

// ErrInvalidMembership is wrapped by ChangeMembership's errors.
var ErrInvalidMembership = errors.New("emulator: invalid membership change")

// ChangeMembership announces a membership event (memberships/created,
// updated or deleted) to the matching webhooks, as Webex does when someone
// joins or leaves a room the bot is in. The emulator keeps no membership
// list: the change only triggers the webhooks.
func (s *Server) ChangeMembership(c MembershipChange) (Membership, error) {
	if c.Event == "" {
		c.Event = "created"
	}
	switch {
	case c.RoomID == "":
		return Membership{}, fmt.Errorf("%w: roomId is required", ErrInvalidMembership)
	case !strings.Contains(c.PersonEmail, "@"):
		return Membership{}, fmt.Errorf("%w: personEmail %q is not an email address", ErrInvalidMembership, c.PersonEmail)
	case c.Event != "created" && c.Event != "updated" && c.Event != "deleted":
		return Membership{}, fmt.Errorf("%w: event must be created, updated or deleted", ErrInvalidMembership)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.userLocked(c.PersonEmail)
	rm := s.st.rooms[c.RoomID]
	if rm == nil {
		rm = s.roomLocked(c.RoomID, "group", "Emulated space", p.ID, "")
	}
	m := Membership{
		ID: newID("MEMBERSHIP"), RoomID: rm.ID, RoomType: rm.Type,
		PersonID: p.ID, PersonEmail: primaryEmail(p), PersonDisplayName: p.DisplayName,
		IsModerator: c.IsModerator, Created: formatTime(s.now()),
	}
	s.emitLocked("memberships", c.Event, p.ID, m, eventAttrs{
		roomID: rm.ID, roomType: rm.Type, personID: p.ID, personEmail: m.PersonEmail,
	})
	return m, nil
}

// simMembership is POST /_sim/memberships.
func (s *Server) simMembership(w http.ResponseWriter, r *http.Request) {
	var c MembershipChange
	if e := decodeBody(r, &c, false); e != nil {
		writeError(w, e)
		return
	}
	m, err := s.ChangeMembership(c)
	if err != nil {
		writeError(w, failf(http.StatusBadRequest, "%v", err))
		return
	}
	writeJSON(w, http.StatusOK, m)
}
