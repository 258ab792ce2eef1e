package memberships

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/promreg"
	"github.com/webexpipe/webexpipe/workers"
)

// Name is the worker type: it names the durable consumer and the DLQ subject.
const Name = "memberships"

// Events are the events the memberships worker consumes.
var Events = []events.ResourceEvent{
	{Resource: "memberships", Event: "created"},
	{Resource: "memberships", Event: "updated"},
	{Resource: "memberships", Event: "deleted"},
}

// Config configures the handler. The zero value is usable.
type Config struct {
	// Logger receives one line per membership event; nil discards them.
	Logger *slog.Logger
	// Metrics is where the handler registers its counter; nil keeps it in
	// a private registry.
	Metrics prometheus.Registerer
}

// Handler logs membership events. It is safe for concurrent use.
type Handler struct {
	log  *slog.Logger
	seen *prometheus.CounterVec
}

// New returns a memberships handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = prometheus.NewRegistry()
	}
	seen := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "webexpipe_memberships_events_total",
		Help: "Membership events handled, by event (created: joined, deleted: left, updated).",
	}, []string{"event"})
	seen, err := promreg.Register(cfg.Metrics, seen, "memberships metrics")
	if err != nil {
		return nil, err
	}
	for _, re := range Events {
		seen.WithLabelValues(re.Event) // every series exists from the start
	}
	return &Handler{log: cfg.Logger.With("worker", Name), seen: seen}, nil
}

// Handle implements workers.Handler. An event without a room or a person
// cannot be told about and is dead-lettered for a look.
func (h *Handler) Handle(ctx context.Context, ev *workers.Event) error {
	d := ev.Envelope.Data
	if d.RoomID == "" || (d.PersonID == "" && d.PersonEmail == "") {
		return workers.Permanent(fmt.Errorf("membership %s without a room or a person", d.ID))
	}
	h.seen.WithLabelValues(ev.Envelope.Event).Inc()
	h.log.InfoContext(ctx, what(ev.Envelope.Event),
		"person", d.PersonEmail, "person_name", d.PersonDisplayName, "person_id", d.PersonID,
		"room", d.RoomID, "room_type", d.RoomType, "moderator", d.IsModerator,
		"membership", d.ID, "stream_seq", ev.StreamSeq, "replay", ev.Replay)
	return nil
}

// what says what an event means, for the log.
func what(event string) string {
	switch event {
	case "created":
		return "person joined a room"
	case "deleted":
		return "person left a room"
	}
	return "membership " + event
}
