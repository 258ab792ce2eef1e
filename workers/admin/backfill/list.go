package backfill

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// pageSize is the most Webex lists per page with mentionedPeople set.
const pageSize = 100

// Webex may answer a busy backfill with 429: wait as asked, a few times.
const (
	rateLimitTries = 4
	maxRateWait    = time.Minute
)

// rooms returns the rooms to backfill: those asked for, which must be
// rooms of the bot, or every room of the bot active since the window
// began.
func rooms(ctx context.Context, api WebexAPI, want []string, since time.Time) ([]webex.Room, error) {
	var all []webex.Room
	err := retry(ctx, func() (err error) {
		all, err = api.Rooms(ctx, webex.ListRoomsParams{})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list the bot's rooms: %w", err)
	}
	if len(want) > 0 {
		var out []webex.Room
		for _, id := range want {
			i := slices.IndexFunc(all, func(r webex.Room) bool { return r.ID == id })
			if i < 0 {
				return nil, fmt.Errorf("room %s: %w", id, ErrUnknownRoom)
			}
			out = append(out, all[i])
		}
		return out, nil
	}
	return slices.DeleteFunc(all, func(r webex.Room) bool {
		last, err := time.Parse(time.RFC3339Nano, r.LastActivity)
		return err == nil && last.Before(since)
	}), nil
}

// messages returns a room's messages created since, oldest first: in a
// group room only those mentioning the bot.
func messages(ctx context.Context, api WebexAPI, room webex.Room, since time.Time) ([]webex.Message, error) {
	p := webex.ListMessagesParams{RoomID: room.ID, Max: pageSize}
	if room.Type == "group" {
		p.MentionedPeople = "me"
	}
	var out []webex.Message
	for {
		var page []webex.Message
		err := retry(ctx, func() (err error) {
			page, err = api.ListMessages(ctx, p)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("list the messages of room %s: %w", room.ID, err)
		}
		for _, m := range page { // newest first
			created, err := time.Parse(time.RFC3339Nano, m.Created)
			if err == nil && created.Before(since) {
				slices.Reverse(out)
				return out, nil
			}
			out = append(out, m)
		}
		if len(page) < pageSize {
			slices.Reverse(out)
			return out, nil
		}
		p.BeforeMessage = page[len(page)-1].ID
	}
}

// retry calls f again after a 429 or 423, waiting as Webex asked.
func retry(ctx context.Context, f func() error) error {
	for try := 1; ; try++ {
		err := f()
		var apiErr *webex.APIError
		if err == nil || try == rateLimitTries || !errors.As(err, &apiErr) || apiErr.RetryAfter <= 0 {
			return err
		}
		t := time.NewTimer(min(apiErr.RetryAfter, maxRateWait))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
