package emulator

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// timeLayout is how Webex writes times: RFC 3339, milliseconds, UTC.
const timeLayout = "2006-01-02T15:04:05.000Z"

// maxRecords is how many call and delivery records are kept at least; the
// oldest go first, so a long `webexpipe dev` session does not grow without
// end. A list is trimmed back to maxRecords once it holds a quarter more,
// so that trimming costs a copy per maxRecords/4 appends, not per append.
const maxRecords = 10000

// state is the emulated Webex. Every field is guarded by Server.mu.
type state struct {
	seq int64 // orders messages, rooms and webhooks by creation

	people  map[string]*webex.Person // by id; the bot included
	byEmail map[string]string        // lowercased email → person id

	rooms  map[string]*room
	direct map[directKey]string // a bot and a user → their direct room

	messages map[string]*message
	actions  map[string]*webex.AttachmentAction
	webhooks map[string]*webhook

	calls      []*Call
	deliveries []Delivery
	faults     []*activeFault

	// closing is set by Close: no delivery starts after it.
	closing bool
	// inflight counts deliveries started and not yet recorded.
	inflight int
	// deliveryOff drops every webhook instead of sending it (SetDelivery);
	// dropped counts them.
	deliveryOff bool
	dropped     int

	// changes counts the changes of what a state file keeps (people,
	// rooms, messages, actions, webhooks); see changed.
	changes uint64

	// version counts every change a watcher may want to see (changes,
	// calls, deliveries, faults, the delivery switch); moved is closed and
	// replaced at each (see bump and Server.Watch).
	version uint64
	moved   chan struct{}
}

// room is a Webex space. Direct rooms hold one bot and one user.
type room struct {
	roomJSON
	seq  int64
	user string // direct rooms: the person id of the user
	// bots are the person ids of the bots in the room: one in a direct
	// room, one or more in a group room. A bot sees and lists only its
	// rooms.
	bots []string
	msgs []*message // oldest first
}

// hasBot reports whether the bot with the person id is in the room.
func (rm *room) hasBot(personID string) bool { return slices.Contains(rm.bots, personID) }

// directKey names the direct room of a bot and a user by their person ids.
type directKey struct{ bot, user string }

// roomJSON is a room as GET /rooms/{id} answers it.
type roomJSON struct {
	ID           string `json:"id"`
	Title        string `json:"title"`
	Type         string `json:"type"` // "direct" or "group"
	IsLocked     bool   `json:"isLocked"`
	LastActivity string `json:"lastActivity"`
	CreatorID    string `json:"creatorId"`
	Created      string `json:"created"`
}

type message struct {
	webex.Message
	seq int64
}

// webhook is a registration with its failure history.
type webhook struct {
	webex.Webhook
	seq    int64
	filter map[string]string
	// failures holds the times of failed deliveries in the last
	// failureWindow; successes do not clear it, and neither does
	// re-enabling, as with Webex.
	failures []time.Time
}

// newID returns a fresh id shaped like Webex's: URL-safe base64 of
// "ciscospark://us/<KIND>/<uuid>". Callers treat it as opaque.
func newID(kind string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("ciscospark://us/" + kind + "/" + newUUID()))
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func newTrackingID() string { return "EMULATOR_" + newUUID() }

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// nextSeq must be called with Server.mu held. Everything that takes a
// sequence number is new state: it counts as a change (see changed).
func (st *state) nextSeq() int64 {
	st.seq++
	st.changed()
	return st.seq
}

// changed notes a change of what a state file keeps, so that a persistent
// server writes it again. It must be called with Server.mu held.
func (st *state) changed() {
	st.changes++
	st.bump()
}

// bump tells the watchers (Server.Watch) that something changed. It must
// be called with Server.mu held.
func (st *state) bump() {
	st.version++
	if st.moved != nil {
		close(st.moved)
		st.moved = nil
	}
}

// appendRecord appends to a bounded record list.
func appendRecord[T any](list []T, v T) []T {
	if len(list) >= maxRecords+maxRecords/4 {
		list = append(make([]T, 0, maxRecords+maxRecords/4), list[len(list)-maxRecords+1:]...)
	}
	return append(list, v)
}

// sortBySeq orders items by creation.
func sortBySeq[T any](list []T, seq func(T) int64) {
	slices.SortFunc(list, func(a, b T) int { return cmp.Compare(seq(a), seq(b)) })
}

// sortByKey orders items by a string key.
func sortByKey[T any](list []T, key func(T) string) {
	slices.SortFunc(list, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
}
