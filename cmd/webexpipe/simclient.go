package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// simClient speaks the emulator's control API.
type simClient struct {
	base string
	http *http.Client
}

// pollEvery is how often a room is read while waiting for the bot.
const pollEvery = 50 * time.Millisecond

// errNoReply explains the usual reason the bot is silent.
var errNoReply = errors.New("no reply from the bot in time: is `make run` (webexpipe dev) running?")

func (c simClient) post(ctx context.Context, um emulator.UserMessage) (webex.Message, error) {
	body, _ := json.Marshal(um)
	var msg webex.Message
	err := c.do(ctx, http.MethodPost, "/_sim/messages", body, &msg)
	return msg, err
}

// submit presses the card of a message as a user.
func (c simClient) submit(ctx context.Context, cs emulator.CardSubmit) (webex.AttachmentAction, error) {
	body, _ := json.Marshal(cs)
	var a webex.AttachmentAction
	err := c.do(ctx, http.MethodPost, "/_sim/messages/"+url.PathEscape(cs.MessageID)+"/submit", body, &a)
	return a, err
}

// room returns a room's messages, oldest first.
func (c simClient) room(ctx context.Context, roomID string) ([]webex.Message, error) {
	var page struct {
		Items []webex.Message `json:"items"`
	}
	err := c.do(ctx, http.MethodGet, "/_sim/rooms/"+url.PathEscape(roomID)+"/messages", nil, &page)
	return page.Items, err
}

// bots lists the emulator's bots, the first first.
func (c simClient) bots(ctx context.Context) ([]emulator.BotInfo, error) {
	var page struct {
		Items []emulator.BotInfo `json:"items"`
	}
	err := c.do(ctx, http.MethodGet, "/_sim/bots", nil, &page)
	return page.Items, err
}

// bot returns the emulator's bot with the short id.
func (c simClient) bot(ctx context.Context, id string) (emulator.BotInfo, error) {
	bots, err := c.bots(ctx)
	if err != nil {
		return emulator.BotInfo{}, err
	}
	ids := make([]string, len(bots))
	for i, b := range bots {
		if b.ID == id {
			return b, nil
		}
		ids[i] = b.ID
	}
	return emulator.BotInfo{}, fmt.Errorf("the emulator has no bot %q; its bots are %s", id, strings.Join(ids, ", "))
}

// isGroupRoom reports whether the room is a group room; false for a room
// the emulator does not know yet (posting creates it, direct).
func (c simClient) isGroupRoom(ctx context.Context, roomID string) (bool, error) {
	var page struct {
		Items []emulator.RoomInfo `json:"items"`
	}
	if err := c.do(ctx, http.MethodGet, "/_sim/rooms", nil, &page); err != nil {
		return false, err
	}
	for _, r := range page.Items {
		if r.ID == roomID {
			return r.Type == "group", nil
		}
	}
	return false, nil
}

// awaitReply polls the room until a message from someone other than the
// sender appears after sent.
func (c simClient) awaitReply(ctx context.Context, sent webex.Message) (webex.Message, error) {
	return c.awaitReplyFrom(ctx, sent, "")
}

// awaitReplyFrom polls the room until the bot with the person id posts
// after sent: in a room with several bots, only that bot's reply counts.
// An empty id takes a message from anyone but the sender.
func (c simClient) awaitReplyFrom(ctx context.Context, sent webex.Message, botPersonID string) (webex.Message, error) {
	isReply := func(m webex.Message) bool { return m.PersonEmail != sent.PersonEmail }
	if botPersonID != "" {
		isReply = func(m webex.Message) bool { return m.PersonID == botPersonID }
	}
	return c.await(ctx, sent.RoomID, func(msgs []webex.Message) (webex.Message, bool) {
		i := slices.IndexFunc(msgs, func(m webex.Message) bool { return m.ID == sent.ID })
		if i < 0 {
			return webex.Message{}, false
		}
		if j := slices.IndexFunc(msgs[i+1:], isReply); j >= 0 {
			return msgs[i+1+j], true
		}
		return webex.Message{}, false
	})
}

// awaitThreadReply polls the card's room until its author (the bot) posts
// in the card's thread after the submission a. Webex threads are one level
// deep: a card that is itself a reply has its parent as the thread.
func (c simClient) awaitThreadReply(ctx context.Context, cardID string, a webex.AttachmentAction) (webex.Message, error) {
	submitted, err := time.Parse(time.RFC3339Nano, a.Created)
	if err != nil {
		return webex.Message{}, fmt.Errorf("the emulator's attachment action has no readable creation time %q", a.Created)
	}
	return c.await(ctx, a.RoomID, func(msgs []webex.Message) (webex.Message, bool) {
		i := slices.IndexFunc(msgs, func(m webex.Message) bool { return m.ID == cardID })
		if i < 0 {
			return webex.Message{}, false
		}
		card := msgs[i]
		thread := card.ID
		if card.ParentID != "" {
			thread = card.ParentID
		}
		for _, m := range msgs[i+1:] {
			created, err := time.Parse(time.RFC3339Nano, m.Created)
			if m.PersonID == card.PersonID && m.ParentID == thread && err == nil && !created.Before(submitted) {
				return m, true
			}
		}
		return webex.Message{}, false
	})
}

// await reads a room until found picks a message or ctx ends.
func (c simClient) await(ctx context.Context, roomID string, found func([]webex.Message) (webex.Message, bool)) (webex.Message, error) {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		msgs, err := c.room(ctx, roomID)
		if err != nil {
			if ctx.Err() != nil {
				return webex.Message{}, errNoReply
			}
			return webex.Message{}, err
		}
		if m, ok := found(msgs); ok {
			return m, nil
		}
		select {
		case <-ctx.Done():
			return webex.Message{}, errNoReply
		case <-tick.C:
		}
	}
}

func (c simClient) do(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("emulator at %s: %w (is `make run` running?)", c.base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var eb struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(b, &eb) == nil && eb.Message != "" {
			return fmt.Errorf("emulator %s %s: %s: %s", method, path, resp.Status, eb.Message)
		}
		return fmt.Errorf("emulator %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	return json.Unmarshal(b, out)
}
