package backfill

import (
	"encoding/json"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// envelopeName names the synthetic webhook in a backfilled envelope.
const envelopeName = "webexpipe backfill"

// envelope is a synthetic messages/created delivery: what Webex would have
// sent, minus what only a webhook registration has (its id, target,
// secret), plus the backfill marker.
type envelope struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	Resource   string      `json:"resource"`
	Event      string      `json:"event"`
	OrgID      string      `json:"orgId,omitempty"`
	CreatedBy  string      `json:"createdBy,omitempty"`
	ActorID    string      `json:"actorId,omitempty"`
	Backfilled bool        `json:"webexpipeBackfilled"`
	Data       messageData `json:"data"`
}

// messageData is "data" of messages/created: metadata only, as Webex sends.
type messageData struct {
	ID              string   `json:"id"`
	RoomID          string   `json:"roomId"`
	RoomType        string   `json:"roomType,omitempty"`
	PersonID        string   `json:"personId,omitempty"`
	PersonEmail     string   `json:"personEmail,omitempty"`
	ParentID        string   `json:"parentId,omitempty"`
	MentionedPeople []string `json:"mentionedPeople,omitempty"`
	Files           []string `json:"files,omitempty"`
	Created         string   `json:"created,omitempty"`
}

// dedupKey is the key ingest would have stored bot's event of the message
// under.
func dedupKey(bot, messageID string) string {
	return events.BotDedupKey(bot, &events.Envelope{Resource: "messages", Event: "created", Data: events.Data{ID: messageID}}, nil)
}

// newEvent builds the backfilled event of m, whose room is of roomType,
// for a bot (botID, its Webex person me), on the bot's subject of the
// partition ingest would have chosen.
func newEvent(botID string, m webex.Message, roomType string, me *webex.Person, partitions int, now time.Time) (*nats.Msg, error) {
	if m.RoomType != "" {
		roomType = m.RoomType
	}
	body, err := json.Marshal(envelope{
		Name: envelopeName, Resource: "messages", Event: "created",
		OrgID: me.OrgID, CreatedBy: me.ID, ActorID: m.PersonID, Backfilled: true,
		Data: messageData{
			ID: m.ID, RoomID: m.RoomID, RoomType: roomType, PersonID: m.PersonID, PersonEmail: m.PersonEmail,
			ParentID: m.ParentID, MentionedPeople: m.MentionedPeople, Files: m.Files, Created: m.Created,
		},
	})
	if err != nil {
		return nil, err
	}
	env, err := events.Decode(body) // what ingest would check, and the subject it would pick
	if err != nil {
		return nil, err
	}
	msg := nats.NewMsg(events.BotEventSubject(botID, env.Resource, env.Event, events.Partition(env.PartitionKey(), partitions)))
	msg.Data = body
	events.SetBot(msg.Header, botID)
	msg.Header.Set(events.HeaderResource, "messages")
	msg.Header.Set(events.HeaderEvent, "created")
	msg.Header.Set(events.HeaderReceivedAt, now.UTC().Format(time.RFC3339Nano))
	msg.Header.Set(events.HeaderBackfilled, "true")
	return msg, nil
}
