package workers

import "context"

// slots bounds the events a feed holds at once. The runner takes slots
// before it fetches, and fetches only as many messages as it holds slots.
// In the shared mode with one consumer a slot is a handler, so no message
// waits locally. With one consumer per events shard, each has a window as
// large as the handlers, and an event that finds them all busy waits for
// one, kept alive with InProgress (an event waiting unnoticed would run out
// its AckWait). In ordered mode a slot is a place in the partition's
// window, and an event that waits for its room is kept alive too. The
// handlers themselves are slots too, shared by every feed of a runner.
type slots chan struct{}

func newSlots(n int) slots { return make(slots, n) }

// acquire waits until want slots are free (at most all of them), takes
// them and every other free slot, and returns how many it took.
func (s slots) acquire(ctx context.Context, want int) (int, error) {
	want = min(max(want, 1), cap(s))
	n := 0
	for n < want {
		// A select with a free slot and a cancelled context picks either
		// at random: look at the context first, so a cancelled run stops
		// pulling.
		if err := ctx.Err(); err != nil {
			s.release(n)
			return 0, err
		}
		select {
		case s <- struct{}{}:
			n++
		case <-ctx.Done():
			s.release(n)
			return 0, ctx.Err()
		}
	}
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

// take waits for one free slot and takes it alone.
func (s slots) take(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case s <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tryTake takes one slot if one is free, without waiting.
func (s slots) tryTake() bool {
	select {
	case s <- struct{}{}:
		return true
	default:
		return false
	}
}

// release frees n slots.
func (s slots) release(n int) {
	for range n {
		<-s
	}
}

// HandlerPool is a number of handler slots shared by several runners of
// one process (Config.Handlers): the runners of one worker type for each
// bot. A slot freed goes to the event that has waited longest for one,
// whichever runner it came from (a channel hands a freed place to its
// oldest waiting sender), so a bot whose events flood in takes its turn
// with the others rather than before them: each runner fetches no more
// than its window, and an event of a quiet bot waits at most behind the
// events already fetched when it arrived.
type HandlerPool struct{ s slots }

// NewHandlerPool returns a pool of n handler slots (at least 1).
func NewHandlerPool(n int) *HandlerPool { return &HandlerPool{s: newSlots(max(n, 1))} }

// Size is the number of handlers the pool lets run at once.
func (p *HandlerPool) Size() int { return cap(p.s) }

// handlerGate is what an event passes to run its handler: one of its
// runner's own Concurrency slots and, when the runner shares a
// HandlerPool with the runners of other bots, one of the pool's. The
// runner's own slots bound one bot's share of the pool: with a bound below
// the pool's size, a bot whose events flood in leaves the rest of the pool
// to the others.
type handlerGate struct {
	own  slots
	pool slots // nil: the runner's own slots are all there is
}

// tryTake takes a slot of each without waiting, or none.
func (g handlerGate) tryTake() bool {
	if !g.own.tryTake() {
		return false
	}
	if g.pool == nil || g.pool.tryTake() {
		return true
	}
	g.own.release(1)
	return false
}

// take waits for a slot of each, the runner's own first.
func (g handlerGate) take(ctx context.Context) error {
	if err := g.own.take(ctx); err != nil {
		return err
	}
	if g.pool == nil {
		return nil
	}
	if err := g.pool.take(ctx); err != nil {
		g.own.release(1)
		return err
	}
	return nil
}

// release frees the slots tryTake or take took.
func (g handlerGate) release() {
	if g.pool != nil {
		g.pool.release(1)
	}
	g.own.release(1)
}
