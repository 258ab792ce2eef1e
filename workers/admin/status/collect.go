package status

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// WebhookLister lists the webhooks on Webex; *webhooks.Manager is one.
type WebhookLister interface {
	List(ctx context.Context) ([]webhooks.Hook, error)
}

// WebhookListerFunc adapts a function to WebhookLister, e.g. one that
// reports why the webhooks cannot be listed.
type WebhookListerFunc func(ctx context.Context) ([]webhooks.Hook, error)

// List calls f(ctx).
func (f WebhookListerFunc) List(ctx context.Context) ([]webhooks.Hook, error) { return f(ctx) }

// Options choose what Collect gathers besides JetStream.
type Options struct {
	// Webhooks, when set, lists the webhooks on Webex.
	Webhooks WebhookLister
	// Now is the clock that decides whether a pause is active; nil means
	// time.Now.
	Now func() time.Time
	// Sharding is how the events are split over streams; zero means one
	// stream. Every shard's stream is reported, with totals.
	Sharding events.Sharding
	// Bots keeps the consumers of these bots' events (<worker>@<bot>, the
	// default bot's <worker>), and their pauses; empty keeps every bot's.
	Bots []string
	// PauseBots names the bot of each rate-limit pause key it holds
	// (ratelimit.Key of the bot's token key): a pause key hashes the
	// token, so only who holds the tokens can tell whose pause it is.
	PauseBots map[string]string
	// BotWebhooks, when set, lists each bot's webhooks with its token
	// (Report.BotWebhooks), for a deployment with a bot registry.
	BotWebhooks []BotWebhookLister
}

// BotWebhookLister lists one bot's webhooks.
type BotWebhookLister struct {
	Bot    string
	Lister WebhookLister
}

// Collect gathers a Report. It returns an error only when ctx ends; every
// other failure is noted in Report.Errors.
func Collect(ctx context.Context, js jetstream.JetStream, o Options) (*Report, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	r := &Report{At: o.Now().UTC()}
	note := func(what string, err error) {
		r.Errors = append(r.Errors, what+": "+err.Error())
	}
	sh := o.Sharding
	if sh.Shards == 0 {
		sh.Shards = events.DefaultShards
	}
	r.Events.Shards = sh.Shards
	for _, name := range append(sh.Streams(), events.CallsStream, events.DLQStream) {
		if err := r.addStream(ctx, js, name); err != nil {
			note("stream "+name, err)
		}
	}
	// A shard past the count: events stored there are in no total here,
	// and the tools with this count do not read them.
	if next := events.ShardStream(sh.Shards); streamExists(ctx, js, next) {
		note("stream "+next, fmt.Errorf("%w: it exists, so the deployment has more than EVENTS_SHARDS=%d shards", events.ErrShardMismatch, sh.Shards))
	}
	r.addTotals(sh, o.Bots)
	for _, name := range []string{events.ProcessedBucket, events.RateLimitBucket, events.WebhooksBucket} {
		if err := r.addBucket(ctx, js, name); err != nil {
			note("bucket "+name, err)
		}
	}
	if err := r.addDeadLetters(ctx, js); err != nil {
		note("dead letters", err)
	}
	if err := r.addPauses(ctx, js, o.Now(), o.PauseBots, o.Bots); err != nil {
		note("rate-limit pauses", err)
	}
	for _, b := range o.BotWebhooks {
		bw := BotWebhooks{Bot: b.Bot}
		hooks, err := b.Lister.List(ctx)
		switch {
		case err != nil:
			note("webhooks of bot "+b.Bot, err)
			bw.Error = err.Error()
		case hooks == nil:
			bw.Webhooks = []webhooks.Hook{}
		default:
			bw.Webhooks = hooks
		}
		r.BotWebhooks = append(r.BotWebhooks, bw)
	}
	if o.Webhooks != nil {
		hooks, err := o.Webhooks.List(ctx)
		switch {
		case err != nil:
			// What was listed before the error is not the whole list:
			// showing it would say webhooks are missing that may not be.
			note("webhooks", err)
			r.WebhooksError = err.Error()
		case hooks == nil:
			r.Webhooks = []webhooks.Hook{}
		default:
			r.Webhooks = hooks
		}
	}
	return r, ctx.Err()
}

// streamExists reports whether the stream is there; an error other than
// "not found" says nothing and counts as no.
func streamExists(ctx context.Context, js jetstream.JetStream, name string) bool {
	_, err := js.Stream(ctx, name)
	return err == nil
}

// addTotals sums the event streams, and each worker type's consumers (one
// per shard, or one per partition in ordered mode).
func (r *Report) addTotals(sh events.Sharding, bots []string) {
	if len(bots) > 0 {
		r.Consumers = slices.DeleteFunc(r.Consumers, func(c Consumer) bool { return !slices.Contains(bots, c.Bot) })
	}
	isEvents := map[string]bool{}
	for _, name := range sh.Streams() {
		isEvents[name] = true
	}
	for _, s := range r.Streams {
		if isEvents[s.Name] {
			r.Events.Streams++
			r.Events.Messages += s.Messages
			r.Events.Bytes += s.Bytes
		}
	}
	at := map[string]int{}
	for _, c := range r.Consumers {
		w, bot := botOf(workerOf(c.Name))
		key := w + "@" + bot
		i, ok := at[key]
		if !ok {
			i = len(r.Workers)
			at[key] = i
			r.Workers = append(r.Workers, WorkerTotal{Worker: w, Bot: bot})
		}
		t := &r.Workers[i]
		t.Consumers++
		t.Pending += c.Pending
		t.AckPending += c.AckPending
		t.Redelivered += c.Redelivered
	}
	slices.SortFunc(r.Workers, func(a, b WorkerTotal) int {
		return cmp.Or(strings.Compare(a.Worker, b.Worker), strings.Compare(a.Bot, b.Bot))
	})
}

// botOf splits a consumer's name, less any partition, into the worker type
// and the bot (events.BotConsumerName: <worker>@<bot>, the default bot's
// bare).
func botOf(name string) (worker, bot string) {
	if w, b, ok := strings.Cut(name, "@"); ok {
		return w, b
	}
	return name, events.DefaultBot
}

// workerOf is the worker type of a consumer: its name, less the partition
// of an ordered consumer (events.PartitionConsumerName).
func workerOf(consumer string) string {
	at := strings.LastIndex(consumer, "-p")
	if at <= 0 {
		return consumer
	}
	if _, err := strconv.Atoi(consumer[at+2:]); err != nil {
		return consumer
	}
	return consumer[:at]
}

func (r *Report) addStream(ctx context.Context, js jetstream.JetStream, name string) error {
	s, err := js.Stream(ctx, name)
	if err != nil {
		return err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return err
	}
	st := info.State
	r.Streams = append(r.Streams, Stream{
		Name: name, Messages: st.Msgs, Bytes: st.Bytes, FirstSeq: st.FirstSeq, LastSeq: st.LastSeq,
		FirstTime: st.FirstTime, LastTime: st.LastTime, Consumers: st.Consumers,
	})
	if name == events.DLQStream {
		return nil
	}
	list := s.ListConsumers(ctx)
	for ci := range list.Info() {
		if ci.Config.Durable == "" {
			continue // a scan's ordered consumer, or another tool's
		}
		_, bot := botOf(workerOf(ci.Name))
		c := Consumer{Stream: name, Name: ci.Name, Bot: bot, Pending: ci.NumPending, AckPending: ci.NumAckPending,
			Redelivered: ci.NumRedelivered, Waiting: ci.NumWaiting}
		if ci.Delivered.Last != nil {
			c.LastDelivered = *ci.Delivered.Last
		}
		r.Consumers = append(r.Consumers, c)
	}
	slices.SortFunc(r.Consumers, func(a, b Consumer) int {
		return strings.Compare(a.Stream+"/"+a.Name, b.Stream+"/"+b.Name)
	})
	if err := list.Err(); err != nil {
		return fmt.Errorf("list consumers: %w", err)
	}
	return nil
}

func (r *Report) addBucket(ctx context.Context, js jetstream.JetStream, name string) error {
	kv, err := js.KeyValue(ctx, name)
	if err != nil {
		return err
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return err
	}
	r.Buckets = append(r.Buckets, Bucket{Name: name, Values: st.Values(), Bytes: st.Bytes()})
	return nil
}

// addDeadLetters counts the dead letters per subject, webex.dlq.<worker>.
func (r *Report) addDeadLetters(ctx context.Context, js jetstream.JetStream) error {
	s, err := js.Stream(ctx, events.DLQStream)
	if err != nil {
		return err
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(events.DLQFilter))
	if err != nil {
		return err
	}
	for subject, n := range info.State.Subjects {
		r.DeadLetters = append(r.DeadLetters, DeadLetters{Worker: strings.TrimPrefix(subject, events.DLQSubject("")), Count: n})
	}
	slices.SortFunc(r.DeadLetters, func(a, b DeadLetters) int { return strings.Compare(a.Worker, b.Worker) })
	return nil
}

// storedPause is the value workers/ratelimit stores under a pause key; only
// the fields shown are read.
type storedPause struct {
	Until  time.Time `json:"until"`
	Status int       `json:"status"`
	By     string    `json:"by"`
}

func (r *Report) addPauses(ctx context.Context, js jetstream.JetStream, now time.Time, botOf map[string]string, bots []string) error {
	kv, err := js.KeyValue(ctx, events.RateLimitBucket)
	if err != nil {
		return err
	}
	keys, err := kv.Keys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil
	}
	if err != nil {
		return err
	}
	slices.Sort(keys)
	for _, k := range keys {
		e, err := kv.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // expired in between
		}
		if err != nil {
			return err
		}
		var p storedPause
		if err := json.Unmarshal(e.Value(), &p); err != nil {
			return fmt.Errorf("pause %s: %w", k, err)
		}
		bot := botOf[k]
		if len(bots) > 0 && botOf != nil && !slices.Contains(bots, bot) {
			continue // another bot's, or one no token given names
		}
		r.Pauses = append(r.Pauses, Pause{Key: k, Bot: bot, Until: p.Until, Status: p.Status, By: p.By, Active: p.Until.After(now)})
	}
	return nil
}
