package workers

import "context"

// slots bounds the handlers running at once. The runner takes slots before
// it fetches, and fetches only as many messages as it holds slots, so it
// never holds a message it cannot start at once: an event waiting in a local
// buffer would run out its AckWait unnoticed.
type slots chan struct{}

func newSlots(n int) slots { return make(slots, n) }

// acquire waits for one free slot, then takes every other free slot too,
// and returns how many it took.
func (s slots) acquire(ctx context.Context) (int, error) {
	// A select with a free slot and a cancelled context picks either at
	// random: look at the context first, so a cancelled run stops pulling.
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	select {
	case s <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	n := 1
	for n < cap(s) {
		select {
		case s <- struct{}{}:
			n++
		default:
			return n, nil
		}
	}
	return n, nil
}

// release frees n slots.
func (s slots) release(n int) {
	for range n {
		<-s
	}
}
