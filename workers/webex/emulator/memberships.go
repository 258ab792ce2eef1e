package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
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
// updated or deleted) to the matching webhooks of the bots in the room, as
// Webex does when someone joins or leaves a room a bot is in. The emulator
// keeps no list of the users in a room, but it does keep its bots: a bot
// (its email) joining a group room is added to it and then sees it, one
// leaving is told and then removed. A new room has the first bot in it.
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
	joining := s.botByPerson(p.ID)
	rm := s.st.rooms[c.RoomID]
	if rm == nil {
		if joining != nil && c.Event != "created" {
			return Membership{}, fmt.Errorf("%w: bot %s is not in room %s", ErrInvalidMembership, joining.id, c.RoomID)
		}
		creator := p.ID
		if joining != nil {
			creator = s.userLocked(DefaultUserEmail).ID
		}
		rm = s.roomLocked(c.RoomID, "group", "Emulated space", creator, "", s.bots[0].person.ID)
	}
	if joining != nil {
		switch {
		case rm.Type == "direct":
			return Membership{}, fmt.Errorf("%w: room %s is a direct room; bots join group rooms", ErrInvalidMembership, rm.ID)
		case c.Event == "created" && !rm.hasBot(p.ID):
			rm.bots = append(rm.bots, p.ID)
			s.st.changed()
		case c.Event != "created" && !rm.hasBot(p.ID):
			return Membership{}, fmt.Errorf("%w: bot %s is not in room %s", ErrInvalidMembership, joining.id, rm.ID)
		}
	}
	m := Membership{
		ID: newID("MEMBERSHIP"), RoomID: rm.ID, RoomType: rm.Type,
		PersonID: p.ID, PersonEmail: primaryEmail(p), PersonDisplayName: p.DisplayName,
		IsModerator: c.IsModerator, Created: formatTime(s.now()),
	}
	s.emitLocked(s.roomBotsLocked(rm), "memberships", c.Event, p.ID, m, eventAttrs{
		roomID: rm.ID, roomType: rm.Type, personID: p.ID, personEmail: m.PersonEmail,
	})
	if joining != nil && c.Event == "deleted" {
		rm.bots = slices.DeleteFunc(rm.bots, func(id string) bool { return id == p.ID })
		s.st.changed()
	}
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
