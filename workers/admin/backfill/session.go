package backfill

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// SessionOptions shape a Session. Only Since is required.
type SessionOptions struct {
	// Since is where the stream is read from (the window's start; Margin
	// earlier).
	Since time.Time
	// Bot: see Options.
	Bot string
	// Partitions and Shards: see Options.
	Partitions int
	Shards     int
	// Margin: see DefaultMargin.
	Margin time.Duration
	// ConsumerName, when set, reads the stream with a pull consumer of
	// exactly this name instead of an ordered consumer with a generated
	// one, so that a NATS user allowed that one consumer can read it (the
	// webhook watchdog's recovery). Only one reader of a name at a time.
	ConsumerName string
	// Now is the clock of the received-at header; nil means time.Now.
	Now func() time.Time
}

// A Session is one backfill's view of what the streams hold and who the
// bot is: it reads the stored message events once when it opens, then
// lists rooms and messages and stores the missing ones, each of them at
// most once. Backfills that cover part of a window at a time (the automatic
// recovery) use it directly; Run is the whole window at once. Not safe for
// concurrent use.
type Session struct {
	js  jetstream.JetStream
	api WebexAPI
	o   SessionOptions
	// sharding places each event on its partition's shard.
	sharding events.Sharding
	bot      *webex.Person
	// seen holds the ids (events.MsgID) of the message events in the
	// stream, and of those stored by this session.
	seen map[string]bool
	// StreamFrom and Partial: see Summary.
	StreamFrom time.Time
	Partial    bool
}

// NewSession reads the stored message events from o.Since (less the
// margin) and asks Webex who the bot is.
func NewSession(ctx context.Context, js jetstream.JetStream, api WebexAPI, o SessionOptions) (*Session, error) {
	// The same checks and defaults as Run's.
	ro := Options{Since: o.Since, Bot: o.Bot, Partitions: o.Partitions, Shards: o.Shards, Margin: o.Margin, Now: o.Now}
	if err := ro.Validate(); err != nil {
		return nil, err
	}
	ro = ro.withDefaults()
	o.Partitions, o.Shards, o.Margin, o.Now = ro.Partitions, ro.Shards, ro.Margin, ro.Now
	o.Bot = events.BotOrDefault(o.Bot)
	s := &Session{js: js, api: api, o: o, sharding: ro.sharding()}
	var err error
	if s.seen, s.StreamFrom, s.Partial, err = seenKeys(ctx, js, s.sharding.Streams(), o.Bot, o.Since.Add(-o.Margin), o.ConsumerName); err != nil {
		return nil, err
	}
	if s.bot, err = api.Me(ctx); err != nil {
		return nil, fmt.Errorf("who am I: %w", err)
	}
	return s, nil
}

// Rooms returns the rooms to look in: those named, or every room of the
// bot with activity since.
func (s *Session) Rooms(ctx context.Context, named []string, since time.Time) ([]webex.Room, error) {
	return rooms(ctx, s.api, named, since)
}

// Messages returns a room's messages created since, oldest first: in a
// group room only those that mention the bot. The bot's own are included;
// Store leaves them out.
func (s *Session) Messages(ctx context.Context, room webex.Room, since time.Time) ([]webex.Message, error) {
	return messages(ctx, s.api, room, since)
}

// Own reports whether m is the bot's own message, which no worker handles
// and which is never backfilled.
func (s *Session) Own(m webex.Message) bool { return m.PersonID == s.bot.ID }

// Store stores the event of m, a message of room, unless the stream has
// it or dryRun is set, and says which. A message stored moments before by
// a webhook or another backfill is dropped by the duplicate window
// (Item.Duplicate).
func (s *Session) Store(ctx context.Context, room webex.Room, m webex.Message, dryRun bool) (Item, error) {
	msg, err := newEvent(s.o.Bot, m, room.Type, s.bot, s.o.Partitions, s.o.Now())
	if err != nil {
		return Item{}, fmt.Errorf("message %s: %w", m.ID, err)
	}
	key := events.MsgID(dedupKey(s.o.Bot, m.ID))
	stream, _ := s.sharding.StreamOfSubject(msg.Subject)
	it := Item{MessageID: m.ID, RoomID: m.RoomID, RoomType: room.Type, PersonEmail: m.PersonEmail, Created: m.Created,
		Seen: s.seen[key], Subject: msg.Subject, Stream: stream}
	if it.Seen || dryRun {
		return it, nil
	}
	pctx, cancel := context.WithTimeout(ctx, publishTimeout)
	ack, err := s.js.PublishMsg(pctx, msg, jetstream.WithMsgID(key), jetstream.WithExpectStream(stream))
	cancel()
	if err != nil {
		return it, fmt.Errorf("store the event of message %s: %w", m.ID, err)
	}
	it.Seq, it.Duplicate, it.Stored = ack.Sequence, ack.Duplicate, !ack.Duplicate
	s.seen[key] = true
	return it, nil
}
