package recovery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/kvlease"
	"github.com/webexpipe/webexpipe/workers/admin/backfill"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// Recoverer records the outages a webhook watchdog sees end and recovers
// the messages lost in them. It implements webhooks.Recovery. Safe for
// concurrent use; recoveries run one at a time across every process
// sharing the bucket.
type Recoverer struct {
	js     jetstream.JetStream
	api    backfill.WebexAPI
	st     store
	o      Options
	met    *metrics
	holder string // names this process in the lease
}

var _ webhooks.Recovery = (*Recoverer)(nil)

// New returns a Recoverer storing recovered events through js, listing
// messages through api, and keeping its state in kv, the
// events.WebhooksBucket bucket.
func New(js jetstream.JetStream, kv jetstream.KeyValue, api backfill.WebexAPI, o Options) (*Recoverer, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if js == nil || kv == nil || api == nil {
		return nil, fmt.Errorf("%w: JetStream, the %s bucket and a Webex client are required", ErrInvalidOptions, events.WebhooksBucket)
	}
	o = o.withDefaults()
	met, err := newMetrics(o.Metrics, []string{webhooks.CauseReactivated, webhooks.CauseFoundActive, webhooks.CauseWatchdogAbsent})
	if err != nil {
		return nil, err
	}
	return &Recoverer{js: js, api: api, st: store{kv: kv, bot: o.Bot}, o: o, met: met, holder: holderID()}, nil
}

// Open opens the webhooks bucket on js and returns a Recoverer.
func Open(ctx context.Context, js jetstream.JetStream, api backfill.WebexAPI, o Options) (*Recoverer, error) {
	kv, err := js.KeyValue(ctx, events.WebhooksBucket)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", events.WebhooksBucket, err)
	}
	return New(js, kv, api, o)
}

// Result is what one recovery did.
type Result struct {
	Gap Gap `json:"gap"`
	// Rooms were listed by this run; Done had been recovered already
	// (their cursor was past the window) and were not listed again.
	Rooms int `json:"rooms"`
	Done  int `json:"done"`
	// Seen were in the stream already; Stored were recovered by this run.
	Seen   int `json:"seen"`
	Stored int `json:"stored"`
	// Cut names the cap that cut the recovery short: "rooms" or
	// "messages"; empty when it was not (a window cut is Gap.CutFrom).
	Cut string `json:"cut,omitempty"`
}

// Record keeps the window of an outage for the next Run. An outage of a
// webhook whose events Webex cannot list again is logged and counted, and
// not kept; an outage already kept is kept once.
func (r *Recoverer) Record(ctx context.Context, out webhooks.Outage) error {
	from, to := out.From.Add(-r.o.Lookback), out.Until
	msgs := covers(out.Resource, "messages") && covers(out.Event, "created")
	if lost := out.Resource != "messages" || out.Event != "created"; lost {
		what := out.Resource + "/" + out.Event
		if msgs {
			what += " (all but new messages)"
		}
		r.met.unrecoverable.WithLabelValues(out.Resource).Inc()
		r.o.Logger.Warn("events of "+what+" delivered while the webhook was disabled are lost: Webex lists none of them again",
			"webhook_id", out.WebhookID, "name", out.Name, "from", from, "to", to)
	}
	if !msgs || !to.After(from) {
		return nil
	}
	g := Gap{ID: gapID(out.WebhookID, out.From), Cause: out.Cause, WebhookID: out.WebhookID, From: from, To: to}
	if to.Sub(from) > r.o.MaxWindow {
		g.CutFrom, g.From = from, to.Add(-r.o.MaxWindow)
	}
	added, dropped := false, Gap{}
	err := r.st.changeGaps(ctx, func(l *gapList) bool {
		added = !slices.ContainsFunc(l.Gaps, func(w Gap) bool { return w.ID == g.ID })
		if !added {
			return false
		}
		l.Gaps = append(l.Gaps, g)
		if len(l.Gaps) > maxGaps {
			dropped, l.Gaps = l.Gaps[0], l.Gaps[1:]
		}
		return true
	})
	if err != nil || !added {
		return err
	}
	if !g.CutFrom.IsZero() {
		r.met.cuts.WithLabelValues(capWindow).Inc()
		r.o.Logger.Warn("the outage is longer than the recovery window: messages before its start are not recovered",
			"max_window", r.o.MaxWindow, "not_recovered_from", g.CutFrom, "not_recovered_to", g.From,
			"by_hand", backfillHint(g.CutFrom))
	}
	if dropped.ID != "" {
		r.o.Logger.Error("too many recoveries waiting: the oldest was dropped", "from", dropped.From, "to", dropped.To,
			"by_hand", backfillHint(dropped.From))
	}
	r.o.Logger.Info("webhook outage recorded for recovery", "webhook_id", out.WebhookID, "cause", out.Cause, "from", g.From, "to", g.To)
	return nil
}

// covers reports whether a webhook's resource or event value v includes
// want: itself, or "all".
func covers(v, want string) bool { return v == want || v == "all" }

// Run recovers the waiting gaps, oldest first, unless another process is
// recovering (it then returns nil: its turn comes again next round). It
// stops at the first failure, which leaves the gap waiting for the next
// Run; a gap that finished, complete or cut, is no longer waiting.
func (r *Recoverer) Run(ctx context.Context) error {
	err := r.run(ctx)
	if err != nil {
		r.met.failures.Inc()
	}
	return err
}

func (r *Recoverer) run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.o.RunTimeout)
	defer cancel()
	l, _, err := r.st.gaps(ctx)
	if err != nil {
		return err
	}
	r.met.pending.Set(float64(len(l.Gaps)))
	if len(l.Gaps) == 0 {
		return nil
	}
	h, ok, err := kvlease.TryTake(ctx, r.st.kv, events.RecoveryLockKey, r.holder, r.o.LeaseTTL)
	if err != nil || !ok {
		return err
	}
	defer func() {
		if err := h.Release(); err != nil {
			r.o.Logger.Warn("releasing the recovery lease failed; it expires on its own", "error", err)
		}
	}()
	// Read again under the lease: another process may have finished some.
	if l, _, err = r.st.gaps(ctx); err != nil {
		return err
	}
	for i, g := range l.Gaps {
		res, err := r.recoverGap(ctx, h, g)
		if err != nil {
			return fmt.Errorf("recover %s to %s: %w", g.From.UTC().Format(time.RFC3339), g.To.UTC().Format(time.RFC3339), err)
		}
		if err := r.st.dropGap(ctx, g.ID); err != nil {
			return err
		}
		r.met.pending.Set(float64(len(l.Gaps) - i - 1))
		result := resultComplete
		if res.Cut != "" {
			result = resultCut
		}
		r.met.finished.WithLabelValues(result).Inc()
		r.o.Logger.Info("recovery finished", "from", g.From, "to", g.To, "result", result, "rooms", res.Rooms,
			"rooms_done_before", res.Done, "seen", res.Seen, "recovered", res.Stored)
		if r.o.OnFinish != nil {
			r.o.OnFinish(res)
		}
	}
	return nil
}

// recoverGap backfills one gap room by room, oldest message first, keeping
// to the caps, and moves each room's cursor as it goes.
func (r *Recoverer) recoverGap(ctx context.Context, h *kvlease.Lease, g Gap) (Result, error) {
	if !g.Started {
		g.Started = true
		if err := r.st.saveGap(ctx, g); err != nil {
			return Result{}, err
		}
		r.met.started.WithLabelValues(g.Cause).Inc()
		r.o.Logger.Info("recovering the messages lost while a webhook was disabled", "cause", g.Cause, "webhook_id", g.WebhookID,
			"from", g.From, "to", g.To)
	}
	sess, err := backfill.NewSession(ctx, r.js, r.api, backfill.SessionOptions{
		Since: g.From, Bot: r.o.Bot, Partitions: r.o.Partitions, Shards: r.o.Shards, ConsumerName: events.RecoveryConsumer, Now: r.o.Now,
	})
	if err != nil {
		return Result{}, err
	}
	rooms, err := sess.Rooms(ctx, nil, g.From)
	if err != nil {
		return Result{}, err
	}
	slices.SortFunc(rooms, func(a, b webex.Room) int { return strings.Compare(a.ID, b.ID) })
	res := Result{}
	for _, room := range rooms {
		through, err := r.st.through(ctx, room.ID)
		if err != nil {
			return res, err
		}
		start := g.From
		if through.After(start) {
			start = through
		}
		if !start.Before(g.To) {
			res.Done++
			continue
		}
		if g.Rooms >= r.o.MaxRooms {
			res.Cut = capRooms
			break
		}
		g.Rooms++
		res.Rooms++
		reached, cut, err := r.recoverRoom(ctx, sess, room, start, &g, &res)
		if err != nil {
			return res, err
		}
		if err := r.st.advance(ctx, room.ID, reached); err != nil {
			return res, err
		}
		if err := r.st.saveGap(ctx, g); err != nil {
			return res, err
		}
		if err := h.Renew(ctx); err != nil {
			return res, err
		}
		if cut {
			res.Cut = capMessages
			break
		}
	}
	res.Gap = g
	if res.Cut != "" {
		r.met.cuts.WithLabelValues(res.Cut).Inc()
		limit := r.o.MaxRooms
		if res.Cut == capMessages {
			limit = r.o.MaxMessages
		}
		r.o.Logger.Warn("recovery cut short by its cap: the messages left in the window are not recovered",
			"cap", res.Cut, "max", limit, "from", g.From, "to", g.To, "rooms", g.Rooms, "recovered", g.Stored,
			"by_hand", backfillHint(g.From))
	}
	return res, nil
}

// recoverRoom stores the missing messages of room created from start to
// the end of g's window, oldest first, until g's message cap. It returns
// how far the room is recovered: the window's end, or when the cap cut it
// (cut), the creation time of the last message handled.
func (r *Recoverer) recoverRoom(ctx context.Context, sess *backfill.Session, room webex.Room, start time.Time, g *Gap, res *Result) (reached time.Time, cut bool, err error) {
	msgs, err := sess.Messages(ctx, room, start)
	if err != nil {
		return start, false, err
	}
	reached = start
	for _, m := range msgs {
		created, perr := time.Parse(time.RFC3339Nano, m.Created)
		if perr == nil && !created.Before(g.To) {
			break // delivered by the re-activated webhook
		}
		if sess.Own(m) {
			continue
		}
		it, err := sess.Store(ctx, room, m, true)
		if err != nil {
			return reached, false, err
		}
		if !it.Seen {
			if g.Stored >= r.o.MaxMessages {
				return reached, true, nil
			}
			if it, err = sess.Store(ctx, room, m, false); err != nil {
				return reached, false, err
			}
		}
		if it.Stored {
			g.Stored++
			res.Stored++
			r.met.recovered.Inc()
			// Counted at once, so that a recovery resumed after a crash
			// keeps to its cap.
			if err := r.st.saveGap(ctx, *g); err != nil {
				return reached, false, err
			}
		} else {
			res.Seen++
		}
		if perr == nil {
			reached = created
		}
	}
	return g.To, false, nil
}

// backfillHint is the command that recovers by hand from since on.
func backfillHint(since time.Time) string {
	return "webexpipe backfill --since " + since.UTC().Format(time.RFC3339)
}

// holderID names this process in the lease, for an operator looking at
// who holds it.
func holderID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}
