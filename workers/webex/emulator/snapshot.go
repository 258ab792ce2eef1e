package emulator

import (
	"fmt"
	"slices"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// snapshotVersion is the format of a state file. A file of another version
// is refused rather than half read.
const snapshotVersion = 1

// snapshot is the emulated Webex as a state file holds it: what a Webex
// account keeps (the bot, people, rooms, messages, card submissions,
// webhooks). The records of traffic (calls, deliveries), the faults and the
// webhooks' failure history are left out: they describe one run, and Webex
// forgets failures after five minutes anyway.
type snapshot struct {
	Version int          `json:"version"`
	Seq     int64        `json:"seq"`
	Bot     webex.Person `json:"bot"`
	// Bots are every bot by short id, the first included; a file written
	// before there were several bots has none, and its Bot is the first.
	Bots     []savedBot               `json:"bots,omitempty"`
	People   []webex.Person           `json:"people"`
	Rooms    []savedRoom              `json:"rooms"`
	Messages []savedMessage           `json:"messages"` // oldest first
	Actions  []webex.AttachmentAction `json:"actions"`
	Webhooks []savedWebhook           `json:"webhooks"`
}

type savedRoom struct {
	Room roomJSON `json:"room"`
	Seq  int64    `json:"seq"`
	User string   `json:"user,omitempty"`
	// Bots are the person ids of the bots in the room; none (a file
	// written before there were several bots) means the first bot.
	Bots []string `json:"bots,omitempty"`
}

// savedBot keeps a bot's person under its short id, so that a restart
// gives it the same person id and stored messages keep their author.
type savedBot struct {
	ID     string       `json:"id"`
	Person webex.Person `json:"person"`
}

// savedBots returns the bots' persons of a snapshot by short id; firstID
// names the first bot's for a file that only has Bot.
func (snap *snapshot) savedBots(firstID string) map[string]webex.Person {
	out := map[string]webex.Person{firstID: snap.Bot}
	for _, b := range snap.Bots {
		out[b.ID] = b.Person
	}
	return out
}

type savedMessage struct {
	Message webex.Message `json:"message"`
	Seq     int64         `json:"seq"`
}

type savedWebhook struct {
	Webhook webex.Webhook `json:"webhook"`
	Seq     int64         `json:"seq"`
}

// snapshotLocked copies the state, unsorted (see sort). It must be called
// with s.mu held, and does no more than copy: a long state is encoded after
// the lock is released, so that saving does not hold up the API.
func (s *Server) snapshotLocked() *snapshot {
	st := &s.st
	snap := &snapshot{Version: snapshotVersion, Seq: st.seq, Bot: s.Bot()}
	for _, b := range s.bots {
		snap.Bots = append(snap.Bots, savedBot{ID: b.id, Person: clonePerson(&b.person)})
	}
	for _, p := range st.people {
		snap.People = append(snap.People, *p)
	}
	for _, rm := range st.rooms {
		snap.Rooms = append(snap.Rooms, savedRoom{Room: rm.roomJSON, Seq: rm.seq, User: rm.user, Bots: slices.Clone(rm.bots)})
	}
	for _, m := range st.messages {
		snap.Messages = append(snap.Messages, savedMessage{Message: cloneMessage(m), Seq: m.seq})
	}
	for _, a := range st.actions {
		snap.Actions = append(snap.Actions, *a)
	}
	for _, wh := range st.webhooks {
		snap.Webhooks = append(snap.Webhooks, savedWebhook{Webhook: wh.Webhook, Seq: wh.seq})
	}
	return snap
}

// sort puts every list in a fixed order, so that the same state always
// writes the same file, messages oldest first. It needs no lock: the
// snapshot is a copy, and what its values share with the state (emails,
// inputs, attachments) is never changed after it is stored.
func (snap *snapshot) sort() {
	sortBySeq(snap.Rooms, func(r savedRoom) int64 { return r.Seq })
	sortBySeq(snap.Messages, func(m savedMessage) int64 { return m.Seq })
	sortBySeq(snap.Webhooks, func(w savedWebhook) int64 { return w.Seq })
	sortByKey(snap.People, func(p webex.Person) string { return p.ID })
	sortByKey(snap.Actions, func(a webex.AttachmentAction) string { return a.Created + a.ID })
}

// restore replaces the state of a server that has not started with snap.
// The bot must already be snap's (see Load).
func (s *Server) restore(snap *snapshot) error {
	if snap.Version != snapshotVersion {
		return fmt.Errorf("state version %d, want %d", snap.Version, snapshotVersion)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	st.seq = snap.Seq
	for _, p := range snap.People {
		st.people[p.ID] = &p
		for _, e := range p.Emails {
			st.byEmail[emailKey(e)] = p.ID
		}
	}
	for _, r := range snap.Rooms {
		bots := r.Bots
		if len(bots) == 0 {
			bots = []string{s.bots[0].person.ID}
		}
		st.rooms[r.Room.ID] = &room{roomJSON: r.Room, seq: r.Seq, user: r.User, bots: bots}
		k := directKey{bot: bots[0], user: r.User}
		if _, ok := st.direct[k]; r.Room.Type == "direct" && r.User != "" && !ok {
			st.direct[k] = r.Room.ID
		}
	}
	for _, m := range snap.Messages { // oldest first: each room's list stays in order
		rm := st.rooms[m.Message.RoomID]
		if rm == nil {
			return fmt.Errorf("message %s: room %s is not in the state", m.Message.ID, m.Message.RoomID)
		}
		stored := &message{Message: m.Message, seq: m.Seq}
		st.messages[m.Message.ID] = stored
		rm.msgs = append(rm.msgs, stored)
	}
	for _, a := range snap.Actions {
		st.actions[a.ID] = &a
	}
	for _, w := range snap.Webhooks {
		filter, err := parseFilter(w.Webhook.Filter)
		if err != nil {
			return fmt.Errorf("webhook %s: filter: %w", w.Webhook.ID, err)
		}
		st.webhooks[w.Webhook.ID] = &webhook{Webhook: w.Webhook, seq: w.Seq, filter: filter}
	}
	return nil
}
