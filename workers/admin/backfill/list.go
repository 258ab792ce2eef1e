package backfill

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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

// rooms returns the rooms to backfill: those asked for, each read on its
// own (GET /rooms/{id}), or every room of the bot active since the window
// began. Rooms named need no GET /rooms: listing every room of a bot in
// thousands of them is slow, and an operator who names one room must not
// depend on it.
func rooms(ctx context.Context, api WebexAPI, want []string, since time.Time) ([]webex.Room, error) {
	if len(want) > 0 {
		return named(ctx, api, want)
	}
	var all []webex.Room
	err := retry(ctx, func() (err error) {
		all, err = api.Rooms(ctx, webex.ListRoomsParams{})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list the bot's rooms: %w", err)
	}
	return slices.DeleteFunc(all, func(r webex.Room) bool {
		last, err := time.Parse(time.RFC3339Nano, r.LastActivity)
		return err == nil && last.Before(since)
	}), nil
}

// named reads the rooms asked for. Webex answers 404 for a room the bot is
// not in (and some deployments 403): both mean ErrUnknownRoom.
func named(ctx context.Context, api WebexAPI, ids []string) ([]webex.Room, error) {
	out := make([]webex.Room, 0, len(ids))
	for _, id := range ids {
		var r *webex.Room
		err := retry(ctx, func() (err error) {
			r, err = api.Room(ctx, id)
			return err
		})
		var apiErr *webex.APIError
		switch {
		case errors.As(err, &apiErr) && (apiErr.StatusCode == http.StatusNotFound || apiErr.StatusCode == http.StatusForbidden):
			return nil, fmt.Errorf("room %s: %w (%w)", id, ErrUnknownRoom, err)
		case err != nil:
			return nil, fmt.Errorf("read room %s: %w", id, err)
		}
		out = append(out, *r)
	}
	return out, nil
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
