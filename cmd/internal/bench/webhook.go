package bench

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
)

// Resource and Event name the synthetic events: Resource is no resource
// Webex has, so ingest stores them on webex.events.webexpipeBench.created.<n>
// and no worker type's consumer, which filters on the resources it handles,
// ever delivers one. Ingest does exactly the work of a real delivery
// (signature, envelope, dedup key, partition, publish), while the workers
// of the deployment under test, `webexpipe dev` included, stay idle: a
// message id Webex never issued would otherwise make every one of them
// fail, retry and dead-letter, and slow whatever runs next.
const (
	Resource = "webexpipeBench"
	Event    = "created"
)

// deliveries makes webhook bodies the way Webex shapes a messages/created
// event, under Resource and Event: a new message id each time, spread over
// a fixed set of rooms and people.
type deliveries struct {
	run   string // random per run, so ids never repeat across runs
	rooms int
}

func newDeliveries(rooms int) deliveries {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return deliveries{run: hex.EncodeToString(b), rooms: rooms}
}

// body returns delivery number i.
func (d deliveries) body(i int64, now time.Time) []byte {
	room := i % int64(d.rooms)
	msgID := webexID("MESSAGE", fmt.Sprintf("bench-%s-%d", d.run, i))
	roomID := webexID("ROOM", fmt.Sprintf("bench-%s-room-%d", d.run, room))
	person := webexID("PEOPLE", fmt.Sprintf("bench-person-%d", room))
	created := now.UTC().Format("2006-01-02T15:04:05.000Z")
	return fmt.Appendf(nil, `{"id":%q,"name":"webexpipe bench","targetUrl":"https://bot.example/webhooks/webex",`+
		`"resource":%q,"event":%q,"orgId":%q,"createdBy":%q,"appId":%q,"ownedBy":"creator",`+
		`"status":"active","created":"2026-01-02T03:04:05.000Z","actorId":%q,`+
		`"data":{"id":%q,"roomId":%q,"roomType":"group","personId":%q,`+
		`"personEmail":"user%d@example.com","mentionedPeople":[%q],"created":%q}}`,
		webexID("WEBHOOK", "bench"), Resource, Event, webexID("ORGANIZATION", "bench"), webexID("PEOPLE", "bench-bot-owner"),
		webexID("APPLICATION", "bench"), person, msgID, roomID, person, room, webexID("PEOPLE", "bench-bot"), created)
}

// webexID encodes an id the way Webex does: base64 of a ciscospark URI.
func webexID(kind, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("ciscospark://us/" + kind + "/" + id))
}
