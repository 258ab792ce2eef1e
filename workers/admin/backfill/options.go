package backfill

import (
	"context"
	"fmt"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// DefaultMargin is how long before the window the stream is read, for
// clock differences between Webex and JetStream.
const DefaultMargin = 10 * time.Minute

// WebexAPI is what a backfill calls on Webex; *webex.Client is one.
type WebexAPI interface {
	Me(ctx context.Context) (*webex.Person, error)
	Rooms(ctx context.Context, p webex.ListRoomsParams) ([]webex.Room, error)
	Room(ctx context.Context, id string) (*webex.Room, error)
	ListMessages(ctx context.Context, p webex.ListMessagesParams) ([]webex.Message, error)
}

// Options choose the window and the rooms of a backfill.
type Options struct {
	// Since starts the window: messages created at or after it. Required.
	Since time.Time
	// Bot is the bot whose messages are backfilled, with its token (the
	// WebexAPI's): its events are stored on its subjects under its dedup
	// keys, and only its stored events count as seen. "" is
	// events.DefaultBot.
	Bot string
	// Rooms limits the backfill to these rooms; empty means every room
	// the bot is in with activity in the window.
	Rooms []string
	// Partitions must be ingest's (PARTITIONS), so that a backfilled event
	// lands on its room's partition; 0 means events.DefaultPartitions.
	Partitions int
	// Shards must be the deployment's (EVENTS_SHARDS): every shard's
	// stream is read for the events it has, and a backfilled event is
	// stored on its partition's shard. 0 means events.DefaultShards.
	Shards int
	// DryRun lists what would be stored, storing nothing.
	DryRun bool
	// Margin: see DefaultMargin.
	Margin time.Duration
	// OnMessage, when set, is called for every message of the window.
	OnMessage func(Item)
	// Progress, when set, is called after each room's messages were
	// checked, with the summary so far and how many rooms the window has.
	Progress func(sum Summary, rooms int)
	// Now is the clock of the received-at header; nil means time.Now.
	Now func() time.Time
}

// Validate reports the first option that cannot work; the error wraps
// ErrInvalidOptions.
func (o Options) Validate() error {
	switch {
	case o.Since.IsZero():
		return fmt.Errorf("%w: the window needs a start", ErrInvalidOptions)
	case o.Bot != "" && !events.ValidBot(o.Bot):
		return fmt.Errorf("%w: bot %q", ErrInvalidOptions, o.Bot)
	case o.Partitions < 0:
		return fmt.Errorf("%w: partitions %d", ErrInvalidOptions, o.Partitions)
	case o.Margin < 0:
		return fmt.Errorf("%w: margin %s", ErrInvalidOptions, o.Margin)
	case o.Shards < 0:
		return fmt.Errorf("%w: events shards %d", ErrInvalidOptions, o.Shards)
	}
	if err := o.withDefaults().sharding().Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidOptions, err)
	}
	return nil
}

// sharding is the split of the events the options give.
func (o Options) sharding() events.Sharding {
	return events.Sharding{Shards: o.Shards, Partitions: o.Partitions}
}

func (o Options) withDefaults() Options {
	if o.Partitions == 0 {
		o.Partitions = events.DefaultPartitions
	}
	if o.Shards == 0 {
		o.Shards = events.DefaultShards
	}
	if o.Margin == 0 {
		o.Margin = DefaultMargin
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Item is one message of the window.
type Item struct {
	MessageID   string `json:"message_id"`
	RoomID      string `json:"room_id"`
	RoomType    string `json:"room_type"`
	PersonEmail string `json:"person_email,omitempty"`
	Created     string `json:"created"`
	// Seen is true when the stream has the message's event already.
	Seen bool `json:"seen"`
	// Stored is true when a backfilled event was stored (Seq); Duplicate
	// when JetStream dropped it as a copy of one stored moments before.
	Stored    bool   `json:"stored"`
	Duplicate bool   `json:"duplicate,omitempty"`
	Seq       uint64 `json:"seq,omitempty"`
	Subject   string `json:"subject"`
	// Stream is the events shard's stream the event is (or would be)
	// stored in, Seq its sequence there.
	Stream string `json:"stream"`
}

// Summary is what a backfill did.
type Summary struct {
	Since time.Time `json:"since"`
	// Rooms counts the rooms whose messages were listed; Messages the
	// messages of the window (the bot's own left out), Own the bot's own.
	Rooms    int `json:"rooms"`
	Messages int `json:"messages"`
	Own      int `json:"own"`
	// Seen were in the stream already; Missing were not (what a dry run
	// would store); Stored were backfilled; Duplicates were dropped by the
	// duplicate window (stored moments before by someone else).
	Seen       int  `json:"seen"`
	Missing    int  `json:"missing"`
	Stored     int  `json:"stored"`
	Duplicates int  `json:"duplicates"`
	DryRun     bool `json:"dry_run"`
	// StreamFrom is the time of the oldest stored event (of any shard);
	// Partial is true when the window starts before the oldest event of a
	// shard whose events have expired since (see the package doc).
	StreamFrom time.Time `json:"stream_from,omitzero"`
	Partial    bool      `json:"partial"`
}
