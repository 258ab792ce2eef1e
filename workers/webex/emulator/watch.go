package emulator

import (
	"fmt"
	"net/http"
	"time"
)

// Watch returns the current version of the emulator's state and a channel
// closed at the next change after it: a message, a card submission, a
// webhook, an API call answered, a delivery, a fault injected or used up,
// the delivery switch. A watcher reads what it shows, then waits on the
// channel. Many watchers may wait on one channel.
func (s *Server) Watch() (version uint64, moved <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.moved == nil {
		s.st.moved = make(chan struct{})
	}
	return s.st.version, s.st.moved
}

// keepAliveEvery is how often an idle event stream sends a comment line,
// so that proxies and browsers keep the connection.
const keepAliveEvery = 15 * time.Second

// minEventGap is the least time between two events of one stream.
const minEventGap = 100 * time.Millisecond

// simEvents is GET /_sim/events, a server-sent event stream: an event
// "change" whose data is {"version": n} at once and after every change
// (changes close together may arrive as one). The page re-reads what it
// shows on each; the stream carries no state itself, so a client that
// reconnects misses nothing.
func (s *Server) simEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, failf(http.StatusInternalServerError, "Streaming is not supported here."))
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	keepAlive := time.NewTicker(keepAliveEvery)
	defer keepAlive.Stop()
	for {
		version, moved := s.Watch()
		if _, err := fmt.Fprintf(w, "event: change\ndata: {\"version\":%d}\n\n", version); err != nil {
			return
		}
		flusher.Flush()
	wait:
		for {
			select {
			case <-moved:
				break wait
			case <-keepAlive.C:
				if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
					return
				}
				flusher.Flush()
			case <-r.Context().Done():
				return
			case <-s.done:
				return
			}
		}
		// Changes come in bursts (a message, its delivery, the bot's
		// calls): one event for the burst is enough.
		gap := time.NewTimer(minEventGap)
		select {
		case <-gap.C:
		case <-r.Context().Done():
			gap.Stop()
			return
		case <-s.done:
			gap.Stop()
			return
		}
	}
}
