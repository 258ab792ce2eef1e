package emulator

import (
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// maxTextBytes is Webex's limit on a message's text, and on its markdown.
const maxTextBytes = 7439

// maxListWithMentions is Webex's limit on max when mentionedPeople is set.
const maxListWithMentions = 100

// createMessage is POST /messages: the bot posts, into a room or 1:1 to a
// person. When both are given, roomId wins, then toPersonId.
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
	m, e := s.botPostLocked(&req)
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

// botPostLocked stores a message by the bot. It must be called with s.mu held.
func (s *Server) botPostLocked(req *webex.MessageRequest) (webex.Message, *apiError) {
	var rm *room
	switch {
	case req.RoomID != "":
		rm = s.st.rooms[req.RoomID]
		if rm == nil {
			return webex.Message{}, notFound("room")
		}
	case req.ToPersonID != "":
		p := s.st.people[req.ToPersonID]
		if p == nil {
			return webex.Message{}, notFound("person")
		}
		if p.ID == s.bot.ID {
			return webex.Message{}, failf(http.StatusBadRequest, "A bot cannot send a message to itself.")
		}
		rm = s.directRoomLocked(p.ID, p.DisplayName)
	default:
		if s.isBotEmail(req.ToPersonEmail) {
			return webex.Message{}, failf(http.StatusBadRequest, "A bot cannot send a message to itself.")
		}
		p := s.userLocked(req.ToPersonEmail)
		rm = s.directRoomLocked(p.ID, p.DisplayName)
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
	bot := s.st.people[s.bot.ID]
	m := s.storeMessageLocked(rm, bot, webex.Message{
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

// mentionHTML renders the text of a message that mentions the bot the way
// Webex does in html.
func mentionHTML(bot webex.Person, rest string) string {
	return `<p><spark-mention data-object-type="person" data-object-id="` + html.EscapeString(bot.ID) + `">` +
		html.EscapeString(bot.DisplayName) + "</spark-mention> " + html.EscapeString(rest) + "</p>"
}

func (s *Server) getMessage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	m, ok := s.st.messages[r.PathValue("id")]
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

// deleteMessage lets the bot delete its own messages; others are 403.
func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.st.messages[r.PathValue("id")]
	switch {
	case !ok:
		writeError(w, notFound("message"))
		return
	case m.PersonID != s.bot.ID:
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
	q := r.URL.Query()
	roomID := q.Get("roomId")
	if roomID == "" {
		writeError(w, failf(http.StatusBadRequest, "roomId is required."))
		return
	}
	mentioned := q.Get("mentionedPeople")
	if mentioned != "" && mentioned != "me" && mentioned != s.bot.ID {
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
	if rm == nil {
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
			mentioned != "" && !slices.Contains(m.MentionedPeople, s.bot.ID) ||
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
