package events

import (
	"encoding/json"
	"reflect"
	"testing"
)

// jsonEnvelope and jsonData are Envelope and Data as a consumer using
// encoding/json would declare them; json.RawMessage fields show which
// member encoding/json picked for each field, whatever its type.
type jsonEnvelope struct {
	ID        json.RawMessage `json:"id"`
	Name      json.RawMessage `json:"name"`
	TargetURL json.RawMessage `json:"targetUrl"`
	Resource  json.RawMessage `json:"resource"`
	Event     json.RawMessage `json:"event"`
	Filter    json.RawMessage `json:"filter"`
	OrgID     json.RawMessage `json:"orgId"`
	CreatedBy json.RawMessage `json:"createdBy"`
	AppID     json.RawMessage `json:"appId"`
	OwnedBy   json.RawMessage `json:"ownedBy"`
	Status    json.RawMessage `json:"status"`
	Created   json.RawMessage `json:"created"`
	ActorID   json.RawMessage `json:"actorId"`
	Data      json.RawMessage `json:"data"`
}

type jsonData struct {
	ID                json.RawMessage `json:"id"`
	RoomID            json.RawMessage `json:"roomId"`
	RoomType          json.RawMessage `json:"roomType"`
	PersonID          json.RawMessage `json:"personId"`
	PersonEmail       json.RawMessage `json:"personEmail"`
	PersonDisplayName json.RawMessage `json:"personDisplayName"`
	Created           json.RawMessage `json:"created"`
	ParentID          json.RawMessage `json:"parentId"`
	MessageID         json.RawMessage `json:"messageId"`
	Type              json.RawMessage `json:"type"`
	MentionedPeople   json.RawMessage `json:"mentionedPeople"`
	Files             json.RawMessage `json:"files"`
	IsModerator       json.RawMessage `json:"isModerator"`
}

// viaStructs reads body as a consumer with encoding/json and struct tags
// does: keys matched ignoring case, the last of two matches winning.
func viaStructs(t *testing.T, body []byte) *Envelope {
	t.Helper()
	var e jsonEnvelope
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("encoding/json refuses a body Decode accepted: %v", err)
	}
	var d jsonData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		t.Fatalf("encoding/json refuses the data Decode accepted: %v", err)
	}
	fields := map[string]json.RawMessage{
		"id": e.ID, "name": e.Name, "targetUrl": e.TargetURL, "resource": e.Resource, "event": e.Event,
		"filter": e.Filter, "orgId": e.OrgID, "createdBy": e.CreatedBy, "appId": e.AppID, "ownedBy": e.OwnedBy,
		"status": e.Status, "created": e.Created, "actorId": e.ActorID, "data": e.Data,
	}
	data := map[string]json.RawMessage{
		"id": d.ID, "roomId": d.RoomID, "roomType": d.RoomType, "personId": d.PersonID, "personEmail": d.PersonEmail,
		"personDisplayName": d.PersonDisplayName, "created": d.Created, "parentId": d.ParentID,
		"messageId": d.MessageID, "type": d.Type, "mentionedPeople": d.MentionedPeople, "files": d.Files,
		"isModerator": d.IsModerator,
	}
	return envelopeFromFields(fields, data)
}

// viaMaps reads body as a reader that matches keys exactly does (as
// JavaScript's JSON.parse or Python's json would): into maps.
func viaMaps(t *testing.T, body []byte) *Envelope {
	t.Helper()
	var fields, data map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		t.Fatalf("encoding/json refuses a body Decode accepted: %v", err)
	}
	if err := json.Unmarshal(fields["data"], &data); err != nil {
		t.Fatalf("encoding/json refuses the data Decode accepted: %v", err)
	}
	return envelopeFromFields(fields, data)
}

// envelopeFromFields builds the Envelope Decode documents from the raw
// members a reader picked: a string field of another type reads as "".
func envelopeFromFields(f, d map[string]json.RawMessage) *Envelope {
	env := &Envelope{
		ID: stringFieldReference(f["id"]), Name: stringFieldReference(f["name"]),
		TargetURL: stringFieldReference(f["targetUrl"]), Resource: stringFieldReference(f["resource"]),
		Event: stringFieldReference(f["event"]), Filter: stringFieldReference(f["filter"]),
		OrgID: stringFieldReference(f["orgId"]), CreatedBy: stringFieldReference(f["createdBy"]),
		AppID: stringFieldReference(f["appId"]), OwnedBy: stringFieldReference(f["ownedBy"]),
		Status: stringFieldReference(f["status"]), Created: stringFieldReference(f["created"]),
		ActorID: stringFieldReference(f["actorId"]),
		RawData: f["data"],
		Data:    decodeDataReference(d),
	}
	return env
}

// FuzzDecodeReaders checks that a body Decode accepts reads the same to
// every reader a consumer may use on the stored bytes: Decode,
// encoding/json with struct tags (keys matched ignoring case) and a reader
// matching keys exactly. Since the signature covers the bytes, a body on
// which they disagreed would let one signed event say two things. The
// seeds include the case-folded keys and lone surrogates on which they
// once did.
func FuzzDecodeReaders(f *testing.F) {
	for _, s := range decodeSeeds() {
		f.Add([]byte(s))
	}
	const ok = `"resource":"messages","event":"created"`
	for _, s := range []string{
		`{"resource":"messages","Resource":"rooms","event":"created","data":{"id":"1"}}`,
		`{` + ok + `,"data":{"id":"1"},"DATA":{"id":"2"}}`,
		`{` + ok + `,"data":{"id":"1","ID":"2"}}`,
		`{` + ok + `,"data":{"id":"1","RoomId":"r"}}`,
		`{"ID":"w",` + ok + `,"data":{"id":"1"}}`,
		`{"resource":"messages","re` + "\u017f" + `ource":"rooms","event":"created","data":{"id":"1"}}`,
		`{"resource":"messages","event":"created","data":{"id":"1","` + "\u212a" + `":1,"k":2}}`,
		`{` + ok + `,"data":{"` + "\u0130" + `d":"2","id":"1"}}`,
		`{` + ok + `,"data":{"id":"\ud800"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := Decode(body)
		if err != nil {
			return // refusing is always safe
		}
		if want := viaStructs(t, body); !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode and encoding/json read different envelopes:\n Decode      %#v\n encoding/json %#v", got, want)
		}
		if want := viaMaps(t, body); !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode and an exact-match reader read different envelopes:\n Decode %#v\n maps   %#v", got, want)
		}
	})
}
