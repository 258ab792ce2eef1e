package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/cmd/internal/procrun"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// feedSecret signs the stored events as a webhook's secret would.
const feedSecret = "scalebench-secret"

// feeder makes events the way production does, without ingest in the
// measured path: each is a message a user posts in the emulator (so the
// echo worker can fetch it and answer), announced by a messages/created
// envelope shaped like Webex's, signed, and stored on the subject and with
// the headers ingest would give it. Ingest's own cost is measured apart.
type feeder struct {
	emu        *emulator.Server
	bot        webex.Person // the emulator's, fixed for its lifetime
	js         jetstream.JetStream
	rooms      int
	partitions int
	max        int64
	webhookID  string

	mu        sync.Mutex // held while a batch is stored; guards published, made
	published int64      // events JetStream acknowledged
	made      int64      // messages posted (the next one's number)
}

func newFeeder(emu *emulator.Server, js jetstream.JetStream, rooms int, maxEvents int) *feeder {
	return &feeder{emu: emu, bot: emu.Bot(), js: js, rooms: rooms, partitions: events.DefaultPartitions, max: int64(maxEvents),
		webhookID: "Y2lzY29zcGFyazovL3VzL1dFQkhPT0svc2NhbGViZW5jaA"}
}

// add stores n more events and waits for their acknowledgements.
func (f *feeder) add(ctx context.Context, n int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n = int(min(int64(n), f.max-f.made))
	if n <= 0 {
		return nil
	}
	futures := make([]jetstream.PubAckFuture, 0, n)
	for range n {
		msg, err := f.next()
		if err != nil {
			return err
		}
		fut, err := f.js.PublishMsgAsync(msg)
		if err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		futures = append(futures, fut)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, fut := range futures {
		select {
		case <-fut.Ok():
			f.published++
		case err := <-fut.Err():
			return fmt.Errorf("publish: %w", err)
		case <-ctx.Done():
			return fmt.Errorf("publish: no acknowledgement: %w", ctx.Err())
		}
	}
	return nil
}

// next posts the next user message and builds its stored event.
func (f *feeder) next() (*nats.Msg, error) {
	i := f.made
	f.made++
	user := "user-" + strconv.FormatInt(i%int64(f.rooms), 10) + "@example.com"
	m, err := f.emu.PostAsUser(emulator.UserMessage{PersonEmail: user, Text: "scale " + strconv.FormatInt(i, 10)})
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	body, err := f.envelope(m)
	if err != nil {
		return nil, err
	}
	env, err := events.Decode(body) // what ingest checks, and the subject it picks
	if err != nil {
		return nil, err
	}
	msg := nats.NewMsg(env.Subject(f.partitions))
	msg.Data = body
	msg.Header.Set(events.HeaderMsgID, events.MsgID(events.DedupKey(env, body)))
	msg.Header.Set(events.HeaderWebhookID, env.ID)
	msg.Header.Set(events.HeaderResource, env.Resource)
	msg.Header.Set(events.HeaderEvent, env.Event)
	msg.Header.Set(events.HeaderReceivedAt, time.Now().UTC().Format(time.RFC3339Nano))
	msg.Header.Set(events.HeaderSignature, events.Sign([]byte(feedSecret), body))
	return msg, nil
}

// envelope is the messages/created delivery Webex would send for m.
func (f *feeder) envelope(m webex.Message) ([]byte, error) {
	data, err := json.Marshal(events.Data{
		ID: m.ID, RoomID: m.RoomID, RoomType: m.RoomType, PersonID: m.PersonID, PersonEmail: m.PersonEmail, Created: m.Created,
	})
	if err != nil {
		return nil, err
	}
	return json.Marshal(events.Envelope{
		ID: f.webhookID, Name: "webexpipe messages/created", TargetURL: "https://bot.example.com/webhooks/webex",
		Resource: "messages", Event: "created", OrgID: f.bot.OrgID, CreatedBy: f.bot.ID,
		AppID: "Y2lzY29zcGFyazovL3VzL0FQUExJQ0FUSU9OL3NjYWxlYmVuY2g", OwnedBy: "creator", Status: "active",
		Created: "2025-01-01T00:00:00.000Z", ActorID: m.PersonID,
		RawData: data,
	})
}

// keepAhead tops the backlog (events stored but not yet answered) up to
// want every 50 ms until ctx ends, so that no handler slot waits for work
// and the server stores events while it delivers them, as in production.
func (f *feeder) keepAhead(ctx context.Context, want int64, answered func() int64) error {
	for {
		f.mu.Lock()
		backlog := f.published - answered()
		f.mu.Unlock()
		if backlog < want {
			if err := f.add(ctx, int(min(want-backlog, 5000))); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
		if procrun.Pause(ctx, 50*time.Millisecond) != nil {
			return nil
		}
	}
}

// exhausted reports whether MaxEvents were made.
func (f *feeder) exhausted() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.made >= f.max
}

// hold stops the feeder (after the batch being stored, if any) until
// release, and returns the events stored so far: the count and the
// consumers' state read meanwhile agree.
func (f *feeder) hold() (published int64, release func()) {
	f.mu.Lock()
	return f.published, f.mu.Unlock
}
