package emulator

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// Paging defaults of the list endpoints.
const (
	defaultPageSize = 100
	maxPageSize     = 1000
)

// getRoom answers for the rooms the calling bot is in; others are 404.
func (s *Server) getRoom(w http.ResponseWriter, r *http.Request) {
	b := caller(r)
	s.mu.Lock()
	rm, ok := s.st.rooms[r.PathValue("id")]
	ok = ok && rm.hasBot(b.person.ID)
	var out roomJSON
	if ok {
		out = rm.roomJSON
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, notFound("room"))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// listRooms lists every room the calling bot is in, oldest first,
// optionally of one type, paged by max and an opaque cursor.
func (s *Server) listRooms(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	max, after, e := pageParams(q)
	if e != nil {
		writeError(w, e)
		return
	}
	typ := q.Get("type")
	if typ != "" && typ != "direct" && typ != "group" {
		writeError(w, failf(http.StatusBadRequest, "type must be direct or group."))
		return
	}
	b := caller(r)
	s.mu.Lock()
	var all []*room
	for _, rm := range s.st.rooms {
		if rm.seq > after && (typ == "" || rm.Type == typ) && rm.hasBot(b.person.ID) {
			all = append(all, rm)
		}
	}
	sortBySeq(all, func(rm *room) int64 { return rm.seq })
	out := make([]roomJSON, 0, min(len(all), max))
	for _, rm := range all[:min(len(all), max)] {
		out = append(out, rm.roomJSON)
	}
	s.mu.Unlock()
	if len(all) > max {
		next := url.Values{"max": {strconv.Itoa(max)}, "cursor": {strconv.FormatInt(all[max-1].seq, 10)}}
		if typ != "" {
			next.Set("type", typ)
		}
		setNextLink(w, apiBase(r)+"/rooms?"+next.Encode())
	}
	writeJSON(w, http.StatusOK, items[roomJSON]{Items: out})
}

// roomLocked creates a room with the bots in it (person ids; a direct
// room has one). It must be called with s.mu held.
func (s *Server) roomLocked(id, typ, title, creator, user string, bots ...string) *room {
	if id == "" {
		id = newID("ROOM")
	}
	now := formatTime(s.now())
	rm := &room{
		roomJSON: roomJSON{ID: id, Title: title, Type: typ, LastActivity: now, CreatorID: creator, Created: now},
		seq:      s.st.nextSeq(),
		user:     user,
		bots:     slices.Clone(bots),
	}
	s.st.rooms[id] = rm
	if typ == "direct" && len(bots) == 1 {
		k := directKey{bot: bots[0], user: user}
		if _, ok := s.st.direct[k]; !ok {
			s.st.direct[k] = id
		}
	}
	return rm
}

// directRoomLocked returns the direct room of the bot with the user,
// creating it on first use. It must be called with s.mu held.
func (s *Server) directRoomLocked(b *bot, userID, title string) *room {
	if id, ok := s.st.direct[directKey{bot: b.person.ID, user: userID}]; ok {
		return s.st.rooms[id]
	}
	return s.roomLocked("", "direct", title, userID, userID, b.person.ID)
}

// pageParams reads max (1..1000, default 100) and the cursor of a paged
// list: the sequence number of the last item of the previous page.
func pageParams(q url.Values) (max int, after int64, e *apiError) {
	max = defaultPageSize
	if v := q.Get("max"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return 0, 0, failf(http.StatusBadRequest, "max must be a number from 1 to %d.", maxPageSize)
		}
		max = n
	}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, failf(http.StatusBadRequest, "Invalid cursor.")
		}
		after = n
	}
	return max, after, nil
}
