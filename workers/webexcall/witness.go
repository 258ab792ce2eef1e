package webexcall

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/admin/scan"
)

// Witness finds the bot's own messages by another way than listing the
// room. Webex announces every message the bot posts with a messages/created
// webhook, in group rooms too, where a bot may not list the room: a stored
// event of the bot's message is proof that a POST whose outcome was unknown
// took effect.
type Witness interface {
	// BotMessages returns the ids of the messages botID posted in roomID
	// whose events were stored at or after since.
	BotMessages(ctx context.Context, botID, roomID string, since time.Time) ([]string, error)
}

// StoredEvents is a Witness reading the messages/created events stored by
// ingest.
type StoredEvents struct {
	js  jetstream.JetStream
	bot string
}

// NewStoredEvents returns a Witness reading the default bot's stored
// events through js.
func NewStoredEvents(js jetstream.JetStream) *StoredEvents {
	return NewBotStoredEvents(js, events.DefaultBot)
}

// NewBotStoredEvents returns a Witness reading bot's stored events
// through js: each bot's events are stored under subjects of its own.
func NewBotStoredEvents(js jetstream.JetStream, bot string) *StoredEvents {
	return &StoredEvents{js: js, bot: events.BotOrDefault(bot)}
}

// BotMessages implements Witness. It reads the messages/created events
// stored since since (less clockSkew: ingest stamps them with its own
// clock) on the room's partition, in the stream that holds it: a reply's
// event lands where the event it answers did. It knows where that is from
// the event ctx carries when it is of the same room, or from the stored
// event a call was made for (WithStoredEvent, which the retry worker
// sets). Otherwise it reads every partition of WEBEX_EVENTS, which with
// several events shards holds only shard 0's rooms.
func (s *StoredEvents) BotMessages(ctx context.Context, botID, roomID string, since time.Time) ([]string, error) {
	r := scan.Range{Filters: []string{events.BotEventFilter(s.bot, "messages", "created")}}
	if stream, subject, ok := storedEventOf(ctx, roomID); ok {
		if a, ok := events.ParseSubject(subject); ok && a.Bot == s.bot {
			r = scan.Range{Stream: stream, Filters: []string{events.BotEventSubject(s.bot, "messages", "created", a.Partition)}}
		}
	}
	if !since.IsZero() {
		r.Since = since.Add(-clockSkew)
	}
	var ids []string
	err := scan.Each(ctx, s.js, r, nil, func(m *scan.Msg) error {
		env, err := events.Decode(m.Data)
		if err == nil && env.Data.RoomID == roomID && env.Data.PersonID == botID && env.Data.ID != "" {
			ids = append(ids, env.Data.ID)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look for the bot's messages among the stored events: %w", err)
	}
	return ids, nil
}

type storedEventKey struct{}

type storedEvent struct{ stream, subject, roomID string }

// WithStoredEvent tells the Witness where the event a call answers is
// stored (its stream and subject; roomID its room): the bot's message is
// looked for on that partition of that stream.
func WithStoredEvent(ctx context.Context, stream, subject, roomID string) context.Context {
	return context.WithValue(ctx, storedEventKey{}, storedEvent{stream, subject, roomID})
}

// storedEventOf is where the event of roomID that ctx is about is stored.
func storedEventOf(ctx context.Context, roomID string) (stream, subject string, ok bool) {
	if ev, ok := workers.EventFrom(ctx); ok && ev.Envelope != nil && ev.Envelope.Data.RoomID == roomID && ev.Stream != "" {
		return ev.Stream, ev.Subject, true
	}
	if se, ok := ctx.Value(storedEventKey{}).(storedEvent); ok && se.roomID == roomID && se.stream != "" {
		return se.stream, se.subject, true
	}
	return "", "", false
}
