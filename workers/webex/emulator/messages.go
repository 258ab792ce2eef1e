package emulator

import (
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// maxTextBytes is Webex's limit on a message's text, and on its markdown.
const maxTextBytes = 7439

// maxListWithMentions is Webex's limit on max when mentionedPeople is set.
const maxListWithMentions = 100

// createMessage is POST /messages: the calling bot posts, into one of its
// rooms or 1:1 to a person. When both are given, roomId wins, then
// toPersonId.
func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	var req webex.MessageRequest
	if e := decodeBody(r, &req, true); e != nil {
		writeError(w, e)
		return
	}
	if e := checkMessageRequest(&req); e != nil {
		writeError(w, e)
		return
	}
	s.mu.Lock()
	m, e := s.botPostLocked(caller(r), &req)
	s.mu.Unlock()
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// checkMessageRequest refuses what Webex refuses with 400.
func checkMessageRequest(req *webex.MessageRequest) *apiError {
	switch {
	case req.RoomID == "" && req.ToPersonID == "" && req.ToPersonEmail == "":
		return failf(http.StatusBadRequest, "One of roomId, toPersonId or toPersonEmail is required.")
	case req.Text == "" && req.Markdown == "" && len(req.Files) == 0 && len(req.Attachments) == 0:
		return failf(http.StatusBadRequest, "A message needs text, markdown, files or attachments.")
	case len(req.Text) > maxTextBytes:
		return failf(http.StatusBadRequest, "The text is %d bytes; the maximum is %d.", len(req.Text), maxTextBytes)
	case len(req.Markdown) > maxTextBytes:
		return failf(http.StatusBadRequest, "The markdown is %d bytes; the maximum is %d.", len(req.Markdown), maxTextBytes)
	case len(req.Files) > 1:
		return failf(http.StatusBadRequest, "Only one file is allowed per message.")
	case len(req.Attachments) > 1:
		return failf(http.StatusBadRequest, "Only one attachment is allowed per message.")
	}
	for _, a := range req.Attachments {
		if a.ContentType != webex.AdaptiveCardContentType {
			return failf(http.StatusBadRequest, "Unsupported attachment contentType; use %s.", webex.AdaptiveCardContentType)
		}
		if len(a.Content) == 0 || string(a.Content) == "null" {
			return failf(http.StatusBadRequest, "An attachment needs content.")
		}
	}
	return nil
}

// botPostLocked stores a message by bot b. A bot posts only in its own
// rooms, and 1:1 only to users: the emulator has no direct rooms between
// bots. It must be called with s.mu held.
func (s *Server) botPostLocked(b *bot, req *webex.MessageRequest) (webex.Message, *apiError) {
	var rm *room
	switch {
	case req.RoomID != "":
		rm = s.st.rooms[req.RoomID]
		if rm == nil || !rm.hasBot(b.person.ID) {
			return webex.Message{}, notFound("room")
		}
	case req.ToPersonID != "":
		p := s.st.people[req.ToPersonID]
		if p == nil {
			return webex.Message{}, notFound("person")
		}
		if s.botByPerson(p.ID) != nil {
			return webex.Message{}, failf(http.StatusBadRequest, "A bot cannot send a direct message to a bot.")
		}
		rm = s.directRoomLocked(b, p.ID, p.DisplayName)
	default:
		if s.isBotEmail(req.ToPersonEmail) {
			return webex.Message{}, failf(http.StatusBadRequest, "A bot cannot send a direct message to a bot.")
		}
		p := s.userLocked(req.ToPersonEmail)
		rm = s.directRoomLocked(b, p.ID, p.DisplayName)
	}
	if req.ParentID != "" {
		if parent := s.st.messages[req.ParentID]; parent == nil || parent.RoomID != rm.ID {
			return webex.Message{}, failf(http.StatusBadRequest, "The parentId is not a message in this room.")
		}
	}
	text := req.Text
	if text == "" {
		text = req.Markdown // Webex derives plain text from markdown; close enough
	}
	m := s.storeMessageLocked(rm, s.st.people[b.person.ID], webex.Message{
		ParentID:    req.ParentID,
		Text:        text,
		Markdown:    req.Markdown,
		Files:       slices.Clone(req.Files),
		Attachments: slices.Clone(req.Attachments),
	})
	out := m.Message
	out.ToPersonID, out.ToPersonEmail = req.ToPersonID, req.ToPersonEmail
	if req.RoomID != "" {
		out.ToPersonID, out.ToPersonEmail = "", ""
	}
	return out, nil
}

// storeMessageLocked adds a message by author to rm and announces it to the
// matching webhooks. It must be called with s.mu held.
func (s *Server) storeMessageLocked(rm *room, author *webex.Person, m webex.Message) *message {
	now := formatTime(s.now())
	m.ID = newID("MESSAGE")
	m.RoomID, m.RoomType = rm.ID, rm.Type
	m.PersonID, m.PersonEmail = author.ID, primaryEmail(author)
	m.Created = now
	stored := &message{Message: m, seq: s.st.nextSeq()}
	s.st.messages[m.ID] = stored
	rm.msgs = append(rm.msgs, stored)
	rm.LastActivity = now
	s.emitMessageLocked("created", stored)
	return stored
}

// mentionHTML renders the text of a message that mentions bots the way
// Webex does in html.
func mentionHTML(bots []webex.Person, rest string) string {
	var b strings.Builder
	b.WriteString("<p>")
	for _, bot := range bots {
		b.WriteString(`<spark-mention data-object-type="person" data-object-id="` + html.EscapeString(bot.ID) + `">` +
			html.EscapeString(bot.DisplayName) + "</spark-mention> ")
	}
	b.WriteString(html.EscapeString(rest) + "</p>")
	return b.String()
}

// getMessage answers for the messages of the calling bot's rooms; others
// are 404.
func (s *Server) getMessage(w http.ResponseWriter, r *http.Request) {
	b := caller(r)
	s.mu.Lock()
	m, ok := s.st.messages[r.PathValue("id")]
	ok = ok && s.inRoomLocked(b, m.RoomID)
	var out webex.Message
	if ok {
		out = cloneMessage(m)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, notFound("message"))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// deleteMessage lets a bot delete its own messages; others in its rooms
// are 403.
func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request) {
	b := caller(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.st.messages[r.PathValue("id")]
	switch {
	case !ok || !s.inRoomLocked(b, m.RoomID):
		writeError(w, notFound("message"))
		return
	case m.PersonID != b.person.ID:
		writeError(w, failf(http.StatusForbidden, "A bot can only delete its own messages."))
		return
	}
	delete(s.st.messages, m.ID)
	s.st.changed()
	if rm := s.st.rooms[m.RoomID]; rm != nil {
		rm.msgs = slices.DeleteFunc(rm.msgs, func(x *message) bool { return x == m })
	}
	s.emitMessageLocked("deleted", m)
	w.WriteHeader(http.StatusNoContent)
}

// listMessages is GET /messages: one room's messages, newest first, paged
// with a Link to the next (older) page. As Webex requires of bots, a group
// room can only be listed with mentionedPeople=me.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	b := caller(r)
	q := r.URL.Query()
	roomID := q.Get("roomId")
	if roomID == "" {
		writeError(w, failf(http.StatusBadRequest, "roomId is required."))
		return
	}
	mentioned := q.Get("mentionedPeople")
	if mentioned != "" && mentioned != "me" && mentioned != b.person.ID {
		writeError(w, failf(http.StatusBadRequest, "mentionedPeople may only be me or the caller's own person ID."))
		return
	}
	max := 50
	if v := q.Get("max"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			writeError(w, failf(http.StatusBadRequest, "max must be a number from 1 to %d.", maxPageSize))
			return
		}
		max = n
	}
	if mentioned != "" && max > maxListWithMentions {
		writeError(w, failf(http.StatusBadRequest, "max cannot exceed %d with mentionedPeople.", maxListWithMentions))
		return
	}
	var before time.Time
	if v := q.Get("before"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			writeError(w, failf(http.StatusBadRequest, "before must be an ISO 8601 date and time."))
			return
		}
		before = t
	}
	parentID := q.Get("parentId")

	s.mu.Lock()
	rm := s.st.rooms[roomID]
	if rm == nil || !rm.hasBot(b.person.ID) {
		s.mu.Unlock()
		writeError(w, notFound("room"))
		return
	}
	if rm.Type == "group" && mentioned == "" {
		s.mu.Unlock()
		writeError(w, failf(http.StatusForbidden, "Bots must set mentionedPeople=me to list messages in a group room."))
		return
	}
	beforeSeq := int64(-1)
	if id := q.Get("beforeMessage"); id != "" {
		bm := s.st.messages[id]
		if bm == nil || bm.RoomID != roomID {
			s.mu.Unlock()
			writeError(w, failf(http.StatusBadRequest, "beforeMessage is not a message in this room."))
			return
		}
		beforeSeq = bm.seq
	}
	var page []webex.Message
	more := false
	for i := len(rm.msgs) - 1; i >= 0; i-- {
		m := rm.msgs[i]
		if beforeSeq >= 0 && m.seq >= beforeSeq ||
			parentID != "" && m.ParentID != parentID ||
			mentioned != "" && !slices.Contains(m.MentionedPeople, b.person.ID) ||
			!before.IsZero() && !createdBefore(m, before) {
			continue
		}
		if len(page) == max {
			more = true
			break
		}
		page = append(page, cloneMessage(m))
	}
	s.mu.Unlock()

	if more {
		next := url.Values{"roomId": {roomID}, "max": {strconv.Itoa(max)}, "beforeMessage": {page[len(page)-1].ID}}
		for _, k := range []string{"parentId", "mentionedPeople", "before"} {
			if v := q.Get(k); v != "" {
				next.Set(k, v)
			}
		}
		setNextLink(w, apiBase(r)+"/messages?"+next.Encode())
	}
	if page == nil {
		page = []webex.Message{}
	}
	writeJSON(w, http.StatusOK, items[webex.Message]{Items: page})
}

// inRoomLocked reports whether bot b is in the room. It must be called
// with s.mu held.
func (s *Server) inRoomLocked(b *bot, roomID string) bool {
	rm := s.st.rooms[roomID]
	return rm != nil && rm.hasBot(b.person.ID)
}

func createdBefore(m *message, t time.Time) bool {
	c, err := time.Parse(time.RFC3339Nano, m.Created)
	return err == nil && c.Before(t)
}

func cloneMessage(m *message) webex.Message {
	c := m.Message
	c.Files = slices.Clone(m.Files)
	c.Attachments = slices.Clone(m.Attachments)
	c.MentionedPeople = slices.Clone(m.MentionedPeople)
	c.MentionedGroups = slices.Clone(m.MentionedGroups)
	return c
}
