package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// Webex disables a webhook after failureLimit failed deliveries within
// failureWindow.
const (
	failureLimit  = 100
	failureWindow = 5 * time.Minute
)

// maxDrainBytes bounds how much of a target's answer is read.
const maxDrainBytes = 64 << 10

// Delivery is one attempt to deliver a webhook.
type Delivery struct {
	WebhookID string
	// Bot is the short id of the bot that owns the webhook (see BotSpec).
	Bot       string
	TargetURL string
	Body      []byte // exactly the bytes sent
	Signature string // X-Spark-Signature; empty when the webhook has no secret
	// Status is the target's answer; 0 when none came.
	Status int
	// Err says why no answer came (unreachable, timeout); empty otherwise.
	Err string
	At  time.Time // when the attempt started
}

// OK reports whether the target accepted the delivery (2xx).
func (d Delivery) OK() bool { return d.Status >= 200 && d.Status <= 299 }

// MarshalJSON shows the body as text, for the control API.
func (d Delivery) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		WebhookID string    `json:"webhookId"`
		Bot       string    `json:"bot,omitempty"`
		TargetURL string    `json:"targetUrl"`
		Body      string    `json:"body"`
		Signature string    `json:"signature,omitempty"`
		Status    int       `json:"status"`
		Err       string    `json:"err,omitempty"`
		At        time.Time `json:"at"`
	}{d.WebhookID, d.Bot, d.TargetURL, string(d.Body), d.Signature, d.Status, d.Err, d.At})
}

// Deliveries returns every delivery attempt so far (the latest 10000), in
// the order they finished. Redeliver's i indexes this slice.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, len(s.st.deliveries))
	for i, d := range s.st.deliveries {
		out[i] = d
		out[i].Body = bytes.Clone(d.Body)
	}
	return out
}

// ErrNoDelivery is returned by Redeliver for an index Deliveries does not have.
var ErrNoDelivery = errors.New("emulator: no such delivery")

// Redeliver sends delivery i of Deliveries again, byte for byte with the
// same signature, to the same URL, as Webex may deliver an event twice. It
// waits for the answer and records the attempt like any other; the error
// says when the target did not accept it.
func (s *Server) Redeliver(i int) error {
	s.mu.Lock()
	if i < 0 || i >= len(s.st.deliveries) {
		n := len(s.st.deliveries)
		s.mu.Unlock()
		return fmt.Errorf("%w: index %d of %d", ErrNoDelivery, i, n)
	}
	if s.st.closing {
		s.mu.Unlock()
		return fmt.Errorf("emulator: redeliver %d: server is closed", i)
	}
	d := s.st.deliveries[i] // Body is never modified in place: sharing it is safe
	s.st.inflight++
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	nd := s.send(outgoing{webhookID: d.WebhookID, bot: d.Bot, targetURL: d.TargetURL, body: d.Body, signature: d.Signature})
	s.mu.Lock()
	s.recordLocked(nd)
	s.st.inflight--
	s.mu.Unlock()
	switch {
	case nd.Err != "":
		return fmt.Errorf("emulator: redeliver %d: %s", i, nd.Err)
	case !nd.OK():
		return fmt.Errorf("emulator: redeliver %d: target answered %d", i, nd.Status)
	}
	return nil
}

// outgoing is a delivery about to be sent.
type outgoing struct {
	webhookID, bot, targetURL string
	body                      []byte
	signature                 string
}

// messageData is "data" of a messages event: metadata only, as Webex sends.
type messageData struct {
	ID              string   `json:"id"`
	RoomID          string   `json:"roomId"`
	RoomType        string   `json:"roomType"`
	PersonID        string   `json:"personId"`
	PersonEmail     string   `json:"personEmail"`
	ParentID        string   `json:"parentId,omitempty"`
	MentionedPeople []string `json:"mentionedPeople,omitempty"`
	Files           []string `json:"files,omitempty"`
	Created         string   `json:"created"`
}

// actionData is "data" of an attachmentActions event; the inputs must be
// fetched.
type actionData struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	MessageID string `json:"messageId"`
	PersonID  string `json:"personId"`
	RoomID    string `json:"roomId"`
	Created   string `json:"created"`
}

// emitMessageLocked announces a messages event to the bots of the room
// that see it. A bot sees every message in its direct room, its own
// messages, and in group rooms only messages that mention it. The actor is
// the author: only a bot deletes in the emulator, and only its own
// messages. It must be called with s.mu held.
func (s *Server) emitMessageLocked(event string, m *message) {
	rm := s.st.rooms[m.RoomID]
	if rm == nil {
		return
	}
	audience := slices.DeleteFunc(s.roomBotsLocked(rm), func(b *bot) bool {
		id := b.person.ID
		return m.RoomType != "direct" && m.PersonID != id && !slices.Contains(m.MentionedPeople, id)
	})
	s.emitLocked(audience, "messages", event, m.PersonID, messageData{
		ID: m.ID, RoomID: m.RoomID, RoomType: m.RoomType,
		PersonID: m.PersonID, PersonEmail: m.PersonEmail,
		ParentID: m.ParentID, MentionedPeople: m.MentionedPeople, Files: m.Files,
		Created: m.Created,
	}, eventAttrs{
		roomID: m.RoomID, roomType: m.RoomType, personID: m.PersonID,
		personEmail: m.PersonEmail, mentionedPeople: m.MentionedPeople,
	})
}

// emitActionLocked announces an attachmentActions/created event to the bot
// of the card (actionBotLocked). It must be called with s.mu held.
func (s *Server) emitActionLocked(a *webex.AttachmentAction) {
	attrs := eventAttrs{roomID: a.RoomID, personID: a.PersonID}
	if rm := s.st.rooms[a.RoomID]; rm != nil {
		attrs.roomType = rm.Type
	}
	if p := s.st.people[a.PersonID]; p != nil {
		attrs.personEmail = primaryEmail(p)
	}
	s.emitLocked([]*bot{s.actionBotLocked(a)}, "attachmentActions", "created", a.PersonID, actionData{
		ID: a.ID, Type: a.Type, MessageID: a.MessageID, PersonID: a.PersonID, RoomID: a.RoomID, Created: a.Created,
	}, attrs)
}

// actionBotLocked is the bot a card submission concerns: the author of the
// card, or the first bot when the message is unknown or not a bot's (as
// AddAttachmentAction allows). It must be called with s.mu held.
func (s *Server) actionBotLocked(a *webex.AttachmentAction) *bot {
	if m := s.st.messages[a.MessageID]; m != nil {
		if b := s.botByPerson(m.PersonID); b != nil {
			return b
		}
	}
	return s.bots[0]
}

// emitLocked starts a delivery to every active webhook of the audience's
// bots that matches the event; each bot's "me" in a filter is that bot.
// Each delivery is signed with its own webhook's secret. It must be called
// with s.mu held.
func (s *Server) emitLocked(audience []*bot, resource, event, actorID string, data any, attrs eventAttrs) {
	if len(audience) == 0 {
		return
	}
	raw, err := json.Marshal(data)
	if err != nil {
		s.log.Error("webex emulator: encode event data", "err", err)
		return
	}
	owners := make(map[string]*bot, len(audience))
	for _, b := range audience {
		owners[b.person.ID] = b
	}
	hooks := make([]*webhook, 0, len(s.st.webhooks))
	for _, wh := range s.st.webhooks {
		if owners[wh.CreatedBy] != nil && wh.Status == "active" &&
			(wh.Resource == resource || wh.Resource == "all") &&
			(wh.Event == event || wh.Event == "all") &&
			matchFilter(wh.filter, attrs, wh.CreatedBy) {
			hooks = append(hooks, wh)
		}
	}
	sortBySeq(hooks, func(wh *webhook) int64 { return wh.seq })
	for _, wh := range hooks {
		body, err := json.Marshal(events.Envelope{
			ID: wh.ID, Name: wh.Name, TargetURL: wh.TargetURL,
			Resource: resource, Event: event, Filter: wh.Filter,
			OrgID: wh.OrgID, CreatedBy: wh.CreatedBy, AppID: wh.AppID, OwnedBy: wh.OwnedBy,
			Status: wh.Status, Created: wh.Created, ActorID: actorID,
			RawData: raw,
		})
		if err != nil {
			s.log.Error("webex emulator: encode envelope", "err", err)
			continue
		}
		o := outgoing{webhookID: wh.ID, bot: owners[wh.CreatedBy].id, targetURL: wh.TargetURL, body: body}
		if wh.Secret != "" {
			o.signature = events.Sign([]byte(wh.Secret), body)
		}
		s.startDeliveryLocked(o)
	}
}

// startDeliveryLocked sends o in a goroutine owned by the server; Close
// waits for it. It must be called with s.mu held.
func (s *Server) startDeliveryLocked(o outgoing) {
	if s.st.closing {
		return
	}
	if s.st.deliveryOff {
		s.st.dropped++
		s.st.bump()
		s.log.Debug("webex emulator: delivery switched off; webhook dropped", "webhook", o.webhookID)
		return
	}
	s.st.inflight++
	s.wg.Add(1)
	go s.deliver(o)
}

func (s *Server) deliver(o outgoing) {
	defer s.wg.Done()
	s.sem <- struct{}{}
	defer func() { <-s.sem }()

	// A webhook disabled or deleted while this delivery waited is not
	// called any more, as with Webex.
	s.mu.Lock()
	wh := s.st.webhooks[o.webhookID]
	if wh == nil || wh.Status != "active" {
		s.st.inflight--
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()

	d := s.send(o)
	s.mu.Lock()
	s.recordLocked(d)
	s.st.inflight--
	s.mu.Unlock()
}

// send POSTs one delivery and reports how it went.
func (s *Server) send(o outgoing) Delivery {
	d := Delivery{WebhookID: o.webhookID, Bot: o.bot, TargetURL: o.targetURL, Body: o.body, Signature: o.signature, At: s.now()}
	ctx, cancel := context.WithTimeout(context.Background(), s.deliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.targetURL, bytes.NewReader(o.body))
	if err != nil {
		d.Err = err.Error()
		return d
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "webexpipe-emulator")
	if o.signature != "" {
		req.Header.Set(events.SignatureHeader, o.signature)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		d.Err = err.Error()
		return d
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrainBytes))
	resp.Body.Close()
	d.Status = resp.StatusCode
	return d
}

// recordLocked keeps a delivery attempt and counts a failure against its
// webhook, disabling it at the limit. It must be called with s.mu held.
func (s *Server) recordLocked(d Delivery) {
	s.st.deliveries = appendRecord(s.st.deliveries, d)
	s.st.bump()
	if d.OK() {
		s.log.Debug("webex emulator: delivered", "webhook", d.WebhookID, "status", d.Status)
		return
	}
	s.log.Warn("webex emulator: delivery failed", "bot", d.Bot, "webhook", d.WebhookID, "status", d.Status, "err", d.Err)
	wh := s.st.webhooks[d.WebhookID]
	if wh == nil {
		return
	}
	now := s.now()
	wh.failures = slices.DeleteFunc(append(wh.failures, now), func(t time.Time) bool {
		return now.Sub(t) >= failureWindow
	})
	if len(wh.failures) >= failureLimit && wh.Status == "active" {
		wh.Status = "disabled"
		s.st.changed()
		s.log.Warn("webex emulator: webhook disabled", "webhook", wh.ID, "failures", len(wh.failures), "window", failureWindow)
	}
}

// pending reports deliveries started and not yet recorded.
func (s *Server) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.inflight
}
