package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

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

// Decode parses and validates a webhook body. It checks only what the
// pipeline relies on: a JSON object with resource and event usable as
// subject tokens and a data object with a string id. The error wraps one of
// ErrMalformedJSON, ErrMissingResource, ErrMissingEvent, ErrMissingDataID or
// ErrUnsafeToken.
func Decode(body []byte) (*Envelope, error) {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("%w: body is not a JSON object", ErrMalformedJSON)
	}
	if err := checkShape(body); err != nil {
		return nil, err
	}
	// Decode field by field so that one field of an unexpected type does not
	// reject the delivery: a non-string value reads as "".
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrMalformedJSON, jsonReason(err))
	}
	env := &Envelope{}
	for name, dst := range map[string]*string{
		"id": &env.ID, "name": &env.Name, "targetUrl": &env.TargetURL,
		"resource": &env.Resource, "event": &env.Event, "filter": &env.Filter,
		"orgId": &env.OrgID, "createdBy": &env.CreatedBy, "appId": &env.AppID,
		"ownedBy": &env.OwnedBy, "status": &env.Status, "created": &env.Created,
		"actorId": &env.ActorID,
	} {
		*dst = stringField(fields[name])
	}
	switch {
	case env.Resource == "":
		return nil, ErrMissingResource
	case !ValidToken(env.Resource):
		return nil, fmt.Errorf("%w: resource %s", ErrUnsafeToken, quoteShort(env.Resource))
	case env.Event == "":
		return nil, ErrMissingEvent
	case !ValidToken(env.Event):
		return nil, fmt.Errorf("%w: event %s", ErrUnsafeToken, quoteShort(env.Event))
	}
	raw := fields["data"]
	var data map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &data) != nil || data == nil {
		return nil, ErrMissingDataID
	}
	env.RawData = raw
	env.Data = decodeData(data)
	if env.Data.ID == "" {
		return nil, ErrMissingDataID
	}
	return env, nil
}

func decodeData(f map[string]json.RawMessage) Data {
	d := Data{
		ID:                stringField(f["id"]),
		RoomID:            stringField(f["roomId"]),
		RoomType:          stringField(f["roomType"]),
		PersonID:          stringField(f["personId"]),
		PersonEmail:       stringField(f["personEmail"]),
		PersonDisplayName: stringField(f["personDisplayName"]),
		Created:           stringField(f["created"]),
		ParentID:          stringField(f["parentId"]),
		MessageID:         stringField(f["messageId"]),
		Type:              stringField(f["type"]),
		MentionedPeople:   stringsField(f["mentionedPeople"]),
		Files:             stringsField(f["files"]),
	}
	_ = json.Unmarshal(f["isModerator"], &d.IsModerator)
	return d
}

// stringField returns raw as a string when it is a JSON string, else "".
func stringField(raw json.RawMessage) string {
	if len(raw) == 0 || raw[0] != '"' {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// stringsField returns raw as a list of strings when it is a JSON array of
// strings, else nil.
func stringsField(raw json.RawMessage) []string {
	if len(raw) == 0 || raw[0] != '[' {
		return nil
	}
	var s []string
	if json.Unmarshal(raw, &s) != nil {
		return nil
	}
	return s
}

// jsonReason names what is wrong with a body without quoting it.
func jsonReason(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return "body is not a JSON object"
	}
	return "invalid JSON"
}

// quoteShort quotes untrusted text for an error, cut to a readable length.
func quoteShort(s string) string {
	const max = 32
	if len(s) > max {
		return fmt.Sprintf("%q... (%d bytes)", s[:max], len(s))
	}
	return fmt.Sprintf("%q", s)
}
