package deadletters

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
)

// ErrNotFound means no dead letter has the sequence asked for.
var ErrNotFound = errors.New("no such dead letter")

// Filter selects dead letters.
type Filter struct {
	// Worker keeps the dead letters of one worker type ("retry" for calls);
	// empty keeps all.
	Worker string
	// Bots keeps the dead letters of these bots; empty keeps every bot's.
	// A dead letter's subject does not name its bot, so the others are
	// read and left out.
	Bots []string
	// Limit stops after that many entries; 0 means no limit.
	Limit int
}

func (f Filter) subject() (string, error) {
	if f.Worker == "" {
		return events.DLQFilter, nil
	}
	if !events.ValidToken(f.Worker) {
		return "", fmt.Errorf("worker %q: %w", f.Worker, events.ErrUnsafeToken)
	}
	return events.DLQSubject(f.Worker), nil
}

// List returns the dead letters f selects, oldest first.
func List(ctx context.Context, js jetstream.JetStream, f Filter) ([]*Entry, error) {
	subject, err := f.subject()
	if err != nil {
		return nil, err
	}
	s, err := js.Stream(ctx, events.DLQStream)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", events.DLQStream, err)
	}
	var out []*Entry
	for seq := uint64(1); f.Limit <= 0 || len(out) < f.Limit; {
		m, err := s.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subject))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			break
		}
		if err != nil {
			return out, fmt.Errorf("read %s from sequence %d: %w", events.DLQStream, seq, err)
		}
		if e := newEntry(m); len(f.Bots) == 0 || slices.Contains(f.Bots, e.Bot) {
			out = append(out, e)
		}
		seq = m.Sequence + 1
	}
	return out, nil
}

// Get returns the dead letter with sequence seq, or an error wrapping
// ErrNotFound.
func Get(ctx context.Context, js jetstream.JetStream, seq uint64) (*Entry, error) {
	s, err := js.Stream(ctx, events.DLQStream)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", events.DLQStream, err)
	}
	m, err := s.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, fmt.Errorf("dead letter %d: %w", seq, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read dead letter %d: %w", seq, err)
	}
	return newEntry(m), nil
}

// Delete removes the dead letters with the given sequences. It stops at the
// first failure and returns how many it deleted.
func Delete(ctx context.Context, js jetstream.JetStream, seqs ...uint64) (int, error) {
	s, err := js.Stream(ctx, events.DLQStream)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", events.DLQStream, err)
	}
	for i, seq := range seqs {
		// The delete API's "not found" is only text: look first, so that a
		// missing entry is told apart from a failure.
		if _, err := s.GetMsg(ctx, seq); errors.Is(err, jetstream.ErrMsgNotFound) {
			return i, fmt.Errorf("delete dead letter %d: %w", seq, ErrNotFound)
		}
		if err := s.DeleteMsg(ctx, seq); err != nil {
			return i, fmt.Errorf("delete dead letter %d: %w", seq, err)
		}
	}
	return len(seqs), nil
}
