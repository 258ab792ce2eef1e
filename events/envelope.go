package events

import "encoding/json"

// Envelope is a Webex webhook delivery. Every id is an opaque string. Fields
// Webex adds later are tolerated and ignored here; they stay in the raw body,
// which is what gets stored.
type Envelope struct {
	ID        string `json:"id"` // the webhook registration, not the event
	Name      string `json:"name,omitempty"`
	TargetURL string `json:"targetUrl,omitempty"`
	Resource  string `json:"resource"`
	Event     string `json:"event"`
	Filter    string `json:"filter,omitempty"`
	OrgID     string `json:"orgId,omitempty"`
	CreatedBy string `json:"createdBy,omitempty"`
	AppID     string `json:"appId,omitempty"`
	OwnedBy   string `json:"ownedBy,omitempty"`
	Status    string `json:"status,omitempty"`
	Created   string `json:"created,omitempty"` // when the webhook was created
	ActorID   string `json:"actorId,omitempty"`

	// Data holds the common fields of "data", typed. RawData is "data"
	// exactly as received, for resource-specific fields.
	Data    Data            `json:"-"`
	RawData json.RawMessage `json:"data"`
}

// Data is the typed view of an envelope's "data": the fields shared by the
// resources webexpipe handles. A field of an unexpected JSON type is left
// empty rather than failing the delivery; RawData keeps it.
type Data struct {
	ID                string   `json:"id"`
	RoomID            string   `json:"roomId,omitempty"`
	RoomType          string   `json:"roomType,omitempty"`
	PersonID          string   `json:"personId,omitempty"`
	PersonEmail       string   `json:"personEmail,omitempty"`
	PersonDisplayName string   `json:"personDisplayName,omitempty"`
	Created           string   `json:"created,omitempty"`
	ParentID          string   `json:"parentId,omitempty"`  // messages: the thread's first message
	MessageID         string   `json:"messageId,omitempty"` // attachmentActions: the card's message
	Type              string   `json:"type,omitempty"`      // attachmentActions: "submit"
	MentionedPeople   []string `json:"mentionedPeople,omitempty"`
	Files             []string `json:"files,omitempty"`
	IsModerator       bool     `json:"isModerator,omitempty"`
}

// PartitionKey is what an event is partitioned by: its room, or its own id
// when it has no room.
func (e *Envelope) PartitionKey() string {
	if e.Data.RoomID != "" {
		return e.Data.RoomID
	}
	return e.Data.ID
}

// Subject is the subject this event is stored under with n partitions.
func (e *Envelope) Subject(n int) string {
	return EventSubject(e.Resource, e.Event, Partition(e.PartitionKey(), n))
}
