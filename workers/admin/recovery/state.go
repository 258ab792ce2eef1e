package recovery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/kvlease"
)

// Gap is one recovery: a window of lost messages, and how far it got.
type Gap struct {
	// ID names the outage it recovers (its webhook and when it began):
	// the same outage recorded twice is one gap.
	ID        string `json:"id"`
	Cause     string `json:"cause"`
	WebhookID string `json:"webhook_id,omitempty"`
	// From and To are the window: messages created at or after From and
	// before To.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// CutFrom is where the window began before MaxWindow cut it; zero when
	// it was not cut.
	CutFrom time.Time `json:"cut_from,omitzero"`
	// Started is set once the recovery began; Rooms and Stored count the
	// rooms listed and the messages stored so far, so that a resumed
	// recovery keeps to its caps.
	Started bool `json:"started,omitempty"`
	Rooms   int  `json:"rooms,omitempty"`
	Stored  int  `json:"stored,omitempty"`
}

// maxGaps bounds the recoveries waiting; beyond it the oldest is dropped
// (logged): the watchdog records one per outage, so this many waiting
// means recoveries keep failing.
const maxGaps = 32

// gapList is the value of events.RecoveryGapsKey (a bot's: gapsKey).
type gapList struct {
	Gaps []Gap `json:"gaps"`
}

// gapID names the gap of an outage of webhook id that began at from.
func gapID(webhookID string, from time.Time) string {
	sum := sha256.Sum256([]byte(webhookID + "\x00" + from.UTC().Format(time.RFC3339Nano)))
	return hex.EncodeToString(sum[:8])
}

// cursor is the value of a room's key: its messages created before
// Through were recovered.
type cursor struct {
	RoomID  string    `json:"room_id"`
	Through time.Time `json:"through"`
}

// cursorKey is a room's key for bot; Webex ids are opaque, hashing keeps
// the key within what KV keys allow. A room two bots are in has a cursor
// for each: each recovers the messages it was told of.
func (s store) cursorKey(roomID string) string {
	sum := sha256.Sum256([]byte(roomID))
	return events.RecoveryRoomKeyPrefix + s.botToken() + hex.EncodeToString(sum[:16])
}

// gapsKey is the key of bot's waiting gaps.
func (s store) gapsKey() string {
	if t := s.botToken(); t != "" {
		return events.RecoveryGapsKey + "." + strings.TrimSuffix(t, ".")
	}
	return events.RecoveryGapsKey
}

// botToken is the bot's id and a '.', a key token; empty for the default
// bot, whose keys are those of before there were bots.
func (s store) botToken() string {
	if s.bot == "" || s.bot == events.DefaultBot {
		return ""
	}
	return s.bot + "."
}

// store reads and writes the recovery's keys of one bot in the webhooks
// bucket.
type store struct {
	kv  jetstream.KeyValue
	bot string
}

// gaps returns the waiting gaps and the key's revision (0: none).
func (s store) gaps(ctx context.Context) (gapList, uint64, error) {
	e, err := s.kv.Get(ctx, s.gapsKey())
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return gapList{}, 0, nil
	}
	if err != nil {
		return gapList{}, 0, fmt.Errorf("read %s: %w", s.gapsKey(), err)
	}
	var l gapList
	if err := json.Unmarshal(e.Value(), &l); err != nil {
		// Unreadable: start afresh rather than stop recovering for good.
		return gapList{}, e.Revision(), nil
	}
	return l, e.Revision(), nil
}

// changeGaps applies change to the waiting gaps with a compare-and-set,
// reading again when another process changed them meanwhile. change
// returns false when there is nothing to write.
func (s store) changeGaps(ctx context.Context, change func(*gapList) bool) error {
	for range 5 {
		l, rev, err := s.gaps(ctx)
		if err != nil {
			return err
		}
		if !change(&l) {
			return nil
		}
		val, err := json.Marshal(l)
		if err != nil {
			return err
		}
		err = s.put(ctx, s.gapsKey(), val, rev)
		if kvlease.Conflict(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", s.gapsKey(), err)
		}
		return nil
	}
	return fmt.Errorf("write %s: it kept changing", s.gapsKey())
}

// saveGap writes g's progress over the waiting gap of its id; a gap no
// longer waiting is not written back.
func (s store) saveGap(ctx context.Context, g Gap) error {
	return s.changeGaps(ctx, func(l *gapList) bool {
		for i := range l.Gaps {
			if l.Gaps[i].ID == g.ID {
				l.Gaps[i] = g
				return true
			}
		}
		return false
	})
}

// dropGap removes the gap of id.
func (s store) dropGap(ctx context.Context, id string) error {
	return s.changeGaps(ctx, func(l *gapList) bool {
		n := len(l.Gaps)
		l.Gaps = deleteGap(l.Gaps, id)
		return len(l.Gaps) != n
	})
}

func deleteGap(gs []Gap, id string) []Gap {
	out := gs[:0]
	for _, g := range gs {
		if g.ID != id {
			out = append(out, g)
		}
	}
	return out
}

// through returns up to when a room's messages were recovered; zero when
// never.
func (s store) through(ctx context.Context, roomID string) (time.Time, error) {
	e, err := s.kv.Get(ctx, s.cursorKey(roomID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read the recovery cursor of room %s: %w", roomID, err)
	}
	var c cursor
	if json.Unmarshal(e.Value(), &c) != nil || c.RoomID != roomID {
		return time.Time{}, nil
	}
	return c.Through, nil
}

// advance moves a room's cursor to t, never back: a later window
// recovered first stays recovered.
func (s store) advance(ctx context.Context, roomID string, t time.Time) error {
	key := s.cursorKey(roomID)
	for range 5 {
		var (
			rev uint64
			cur cursor
		)
		e, err := s.kv.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return fmt.Errorf("read the recovery cursor of room %s: %w", roomID, err)
		default:
			rev = e.Revision()
			if json.Unmarshal(e.Value(), &cur) == nil && cur.RoomID == roomID && !cur.Through.Before(t) {
				return nil
			}
		}
		val, err := json.Marshal(cursor{RoomID: roomID, Through: t.UTC()})
		if err != nil {
			return err
		}
		err = s.put(ctx, key, val, rev)
		if kvlease.Conflict(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("write the recovery cursor of room %s: %w", roomID, err)
		}
		return nil
	}
	return fmt.Errorf("write the recovery cursor of room %s: it kept changing", roomID)
}

// put writes val to key if it is still at revision rev, or creates it
// when rev is 0; a key changed meanwhile is a conflict.
func (s store) put(ctx context.Context, key string, val []byte, rev uint64) error {
	var err error
	if rev == 0 {
		_, err = s.kv.Create(ctx, key, val)
	} else {
		_, err = s.kv.Update(ctx, key, val, rev)
	}
	return err
}
