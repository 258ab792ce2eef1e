package emulator

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// UserMessage is a message posted by a simulated user. The JSON form is the
// body of POST /_sim/messages.
type UserMessage struct {
	// Bot is the short id of the bot the message is for (see BotSpec);
	// empty means the first bot. A room the message creates has this bot
	// in it, and a given bot must be in an existing room.
	Bot string `json:"bot,omitempty"`
	// RoomID is the room to post in. Empty means the direct room of the
	// user and the bot. An unknown id creates that room, of RoomType.
	RoomID string `json:"roomId,omitempty"`
	// RoomType is "direct" or "group"; it only matters when the room is
	// created, and defaults to "direct". A new direct room belongs to this
	// user and the bot; posting in it as another user fails.
	RoomType string `json:"roomType,omitempty"`
	// PersonEmail is the author; empty means DefaultUserEmail. Unknown
	// users are created on first use.
	PersonEmail string `json:"personEmail,omitempty"`
	Text        string `json:"text,omitempty"`
	Markdown    string `json:"markdown,omitempty"`
	// ParentID makes the message a reply in that message's thread; the
	// parent must be in the same room.
	ParentID string `json:"parentId,omitempty"`
	// MentionBot @mentions the bot, as a user must in a group room for the
	// bot to see the message. As in Webex, the bot's display name then
	// starts the message's text (unless Text already starts with it) and
	// html carries the mention.
	MentionBot bool `json:"mentionBot,omitempty"`
	// Mention are the short ids of more bots to @mention, after Bot when
	// MentionBot is set: in a group room with several bots, each bot
	// mentioned sees the message. A new group room gets them as members;
	// an existing one must have them.
	Mention []string `json:"mention,omitempty"`
	// Files are the message's attachments, as names or URLs: the emulator
	// keeps no content and stores them as given (Webex gives content URLs).
	// A message with files needs no text.
	Files []string `json:"files,omitempty"`
}

// maxUserFiles bounds the files of one user message.
const maxUserFiles = 10

// ErrInvalidMessage is wrapped by PostAsUser's errors: the message cannot be
// posted as described.
var ErrInvalidMessage = errors.New("emulator: invalid user message")

// PostAsUser stores a message by a simulated user and sends the webhooks it
// triggers, as Webex would. The error wraps ErrInvalidMessage when the
// message cannot be posted as described.
func (s *Server) PostAsUser(um UserMessage) (webex.Message, error) {
	if um.PersonEmail == "" {
		um.PersonEmail = DefaultUserEmail
	}
	switch {
	case !strings.Contains(um.PersonEmail, "@"):
		return webex.Message{}, fmt.Errorf("%w: personEmail %q is not an email address", ErrInvalidMessage, um.PersonEmail)
	case um.RoomType != "" && um.RoomType != "direct" && um.RoomType != "group":
		return webex.Message{}, fmt.Errorf("%w: roomType must be direct or group", ErrInvalidMessage)
	case um.RoomID == "" && um.RoomType == "group":
		return webex.Message{}, fmt.Errorf("%w: a group message needs a roomId", ErrInvalidMessage)
	case um.Text == "" && um.Markdown == "" && len(um.Files) == 0:
		return webex.Message{}, fmt.Errorf("%w: text, markdown or files are required", ErrInvalidMessage)
	case len(um.Files) > maxUserFiles || slices.Contains(um.Files, ""):
		return webex.Message{}, fmt.Errorf("%w: at most %d files, none empty", ErrInvalidMessage, maxUserFiles)
	case len(um.Text) > maxTextBytes || len(um.Markdown) > maxTextBytes:
		return webex.Message{}, fmt.Errorf("%w: text and markdown may have at most %d bytes each", ErrInvalidMessage, maxTextBytes)
	}

	b, err := s.lookupBot(um.Bot)
	if err != nil {
		return webex.Message{}, fmt.Errorf("%w: %w", ErrInvalidMessage, err)
	}
	var mentioned []*bot
	if um.MentionBot {
		mentioned = append(mentioned, b)
	}
	for _, id := range um.Mention {
		mb := s.byID[id]
		if mb == nil {
			return webex.Message{}, fmt.Errorf("%w: mention: %w", ErrInvalidMessage, s.noBot(id))
		}
		if !slices.Contains(mentioned, mb) {
			mentioned = append(mentioned, mb)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isBotEmail(um.PersonEmail) {
		return webex.Message{}, fmt.Errorf("%w: %s is a bot; a bot posts with POST /v1/messages", ErrInvalidMessage, um.PersonEmail)
	}
	user := s.userLocked(um.PersonEmail)
	rm, err := s.userRoomLocked(um, user, b, mentioned)
	if err != nil {
		return webex.Message{}, err
	}
	if um.ParentID != "" {
		if parent := s.st.messages[um.ParentID]; parent == nil || parent.RoomID != rm.ID {
			return webex.Message{}, fmt.Errorf("%w: parent %s is not a message in room %s", ErrInvalidMessage, um.ParentID, rm.ID)
		}
	}
	m := webex.Message{ParentID: um.ParentID, Text: um.Text, Markdown: um.Markdown, Files: slices.Clone(um.Files)}
	if m.Text == "" {
		m.Text = m.Markdown
	}
	if len(mentioned) > 0 {
		// As in Webex, the names of the mentioned start the text; a text
		// that already starts with them keeps them once.
		rest := m.Text
		people := make([]webex.Person, len(mentioned))
		names := make([]string, len(mentioned), len(mentioned)+1)
		for i, mb := range mentioned {
			people[i], names[i] = mb.person, mb.person.DisplayName
			m.MentionedPeople = append(m.MentionedPeople, mb.person.ID)
			if name := names[i]; rest == name || strings.HasPrefix(rest, name+" ") {
				rest = strings.TrimSpace(rest[len(name):])
			}
		}
		m.Text = strings.Join(append(names, rest), " ")
		m.HTML = mentionHTML(people, rest)
	}
	return cloneMessage(s.storeMessageLocked(rm, user, m)), nil
}

// userRoomLocked finds or creates the room a user message for bot b goes
// to; the bots mentioned must be in it, and are when it is a new group
// room. It must be called with s.mu held.
func (s *Server) userRoomLocked(um UserMessage, user *webex.Person, b *bot, mentioned []*bot) (*room, error) {
	var errOthers error // mentioning another bot than b, refused in a direct room
	if len(mentioned) > 1 || len(mentioned) == 1 && mentioned[0] != b {
		errOthers = fmt.Errorf("%w: a direct room holds one bot; mention other bots in a group room", ErrInvalidMessage)
	}
	if um.RoomID == "" {
		if errOthers != nil {
			return nil, errOthers
		}
		return s.directRoomLocked(b, user.ID, user.DisplayName), nil
	}
	rm := s.st.rooms[um.RoomID]
	if rm == nil {
		typ := um.RoomType
		if typ == "" {
			typ = "direct"
		}
		if typ == "direct" {
			if errOthers != nil {
				return nil, errOthers
			}
			// Webex has one direct room per pair; the emulator lets a test
			// name several, and answers toPerson* with the first.
			return s.roomLocked(um.RoomID, "direct", user.DisplayName, user.ID, user.ID, b.person.ID), nil
		}
		bots := []string{b.person.ID}
		for _, mb := range mentioned {
			if !slices.Contains(bots, mb.person.ID) {
				bots = append(bots, mb.person.ID)
			}
		}
		return s.roomLocked(um.RoomID, "group", "Emulated space", user.ID, "", bots...), nil
	}
	switch {
	case um.RoomType != "" && um.RoomType != rm.Type:
		return nil, fmt.Errorf("%w: room %s is a %s room", ErrInvalidMessage, rm.ID, rm.Type)
	case rm.Type == "direct" && rm.user != user.ID:
		return nil, fmt.Errorf("%w: room %s is the direct room of another user", ErrInvalidMessage, rm.ID)
	case um.Bot != "" && !rm.hasBot(b.person.ID):
		return nil, fmt.Errorf("%w: bot %s is not in room %s", ErrInvalidMessage, b.id, rm.ID)
	}
	for _, mb := range mentioned {
		if !rm.hasBot(mb.person.ID) {
			return nil, fmt.Errorf("%w: bot %s is not in room %s; add it with a membership first", ErrInvalidMessage, mb.id, rm.ID)
		}
	}
	return rm, nil
}

// RoomMessages returns every message of a room, oldest first, whether a
// bot could see it or not; nil for an unknown room.
func (s *Server) RoomMessages(roomID string) []webex.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	rm := s.st.rooms[roomID]
	if rm == nil {
		return nil
	}
	out := make([]webex.Message, len(rm.msgs))
	for i, m := range rm.msgs {
		out[i] = cloneMessage(m)
	}
	return out
}

// BotMessages returns the messages the first bot posted in a room, oldest
// first: its replies, as a test looks for them.
func (s *Server) BotMessages(roomID string) []webex.Message {
	return s.messagesBy(s.bots[0].person.ID, roomID)
}

// MessagesOf returns the messages the bot with the short id posted in a
// room, oldest first; nil for an unknown bot or room.
func (s *Server) MessagesOf(botID, roomID string) []webex.Message {
	b := s.byID[botID]
	if b == nil {
		return nil
	}
	return s.messagesBy(b.person.ID, roomID)
}

// messagesBy returns the messages of one author in a room, oldest first.
func (s *Server) messagesBy(personID, roomID string) []webex.Message {
	var out []webex.Message
	for _, m := range s.RoomMessages(roomID) {
		if m.PersonID == personID {
			out = append(out, m)
		}
	}
	return out
}
