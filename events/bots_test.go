package events_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
)

func TestParseSubjectReadsBothForms(t *testing.T) {
	tests := []struct {
		subject string
		want    events.Address
		ok      bool
	}{
		{events.EventSubject("messages", "created", 3), events.Address{Bot: events.DefaultBot, Resource: "messages", Event: "created", Partition: 3}, true},
		{events.BotEventSubject("support", "messages", "created", 3), events.Address{Bot: "support", Resource: "messages", Event: "created", Partition: 3}, true},
		{events.BotEventSubject(events.DefaultBot, "messages", "created", 3), events.Address{Bot: events.DefaultBot, Resource: "messages", Event: "created", Partition: 3}, true},
		{events.ReplaySubject("echo", "messages", "created", 7), events.Address{Bot: events.DefaultBot, Worker: "echo", Resource: "messages", Event: "created", Partition: 7}, true},
		{events.BotReplaySubject("echo", "alerts", "attachmentActions", "created", 0), events.Address{Bot: "alerts", Worker: "echo", Resource: "attachmentActions", Event: "created", Partition: 0}, true},
		// The default bot has no token: spelled out, it is not a subject
		// webexpipe writes.
		{"webex.events.default.messages.created.3", events.Address{}, false},
		{"webex.events.Support.messages.created.3", events.Address{}, false},
		{"webex.events.messages.created.x", events.Address{}, false},
		{"webex.events.messages.created.-1", events.Address{}, false},
		{"webex.events.a.b.c.d.1", events.Address{}, false},
		{"webex.events.messages..1", events.Address{}, false},
		{"webex.replay.echo", events.Address{}, false},
		{events.CallSubject("echo", "c1"), events.Address{}, false},
	}
	for _, tt := range tests {
		got, ok := events.ParseSubject(tt.subject)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseSubject(%q) = %+v %v, want %+v %v", tt.subject, got, ok, tt.want, tt.ok)
		}
	}
	for subject, want := range map[string]string{
		events.EventSubject("messages", "created", 1):          events.DefaultBot,
		events.BotEventSubject("a1", "messages", "created", 1): "a1",
		events.CallSubject("echo", "c1"):                       events.DefaultBot,
		events.BotCallSubject("echo", "a1", "c1"):              "a1",
	} {
		if got, ok := events.BotOfSubject(subject); !ok || got != want {
			t.Errorf("BotOfSubject(%q) = %q %v, want %q", subject, got, ok, want)
		}
	}
	if _, ok := events.BotOfSubject(events.DLQSubject("echo")); ok {
		t.Error("a DLQ subject names a bot")
	}
}

func TestValidBot(t *testing.T) {
	for _, id := range []string{"a", "support", "team_7", "a23456789012345678901234567890ab"} {
		if !events.ValidBot(id) {
			t.Errorf("%q refused", id)
		}
	}
	for _, id := range []string{"", "7up", "Support", "a-b", "a.b", "a*", "a>", "a b", "_a", "a234567890123456789012345678901ab"} {
		if events.ValidBot(id) {
			t.Errorf("%q accepted", id)
		}
	}
}

// Each bot's consumer takes that bot's events and the replays of them
// addressed to its worker type, and nothing of another bot, on one stream
// and over shards: what keeps a paused bot's events out of the others'
// windows.
func TestBotConsumersTakeTheirBotOnly(t *testing.T) {
	for _, sh := range []events.Sharding{events.DefaultSharding(), {Shards: 3, Partitions: 16}} {
		t.Run(sh.Streams()[len(sh.Streams())-1], func(t *testing.T) {
			_, js := localnats.StartTest(t).ConnectTest(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			opts := events.DefaultStreamOptions()
			opts.Storage = jetstream.MemoryStorage
			opts.Sharding = sh
			if err := events.Provision(ctx, js, opts); err != nil {
				t.Fatal(err)
			}
			if err := events.CheckShards(ctx, js, sh); err != nil {
				t.Fatal(err)
			}
			bots := []string{events.DefaultBot, "support", "alerts"}
			want := map[string][]string{}
			for _, bot := range bots {
				for p := range sh.Partitions {
					for _, subj := range []string{
						events.BotEventSubject(bot, "messages", "created", p),
						events.BotReplaySubject("echo", bot, "messages", "created", p),
					} {
						ack, err := js.Publish(ctx, subj, []byte("{}"))
						if err != nil {
							t.Fatalf("publish %s: %v", subj, err)
						}
						if ack.Stream != sh.StreamOf(p) {
							t.Fatalf("%s stored in %s, want %s", subj, ack.Stream, sh.StreamOf(p))
						}
						want[bot] = append(want[bot], subj)
					}
					// Another worker type's replays and another resource
					// are not echo's.
					for _, subj := range []string{
						events.BotReplaySubject("cards", bot, "messages", "created", p),
						events.BotEventSubject(bot, "memberships", "created", p),
					} {
						if _, err := js.Publish(ctx, subj, []byte("{}")); err != nil {
							t.Fatalf("publish %s: %v", subj, err)
						}
					}
				}
			}
			for _, bot := range bots {
				var got []string
				for _, stream := range sh.Streams() {
					cfg, err := events.ConsumerConfig(events.ConsumerOptions{Worker: "echo", Bot: bot, Events: []events.ResourceEvent{{Resource: "messages", Event: "created"}}, MaxAckPending: 1000})
					if err != nil {
						t.Fatal(err)
					}
					if cfg.Durable != events.BotConsumerName("echo", bot) {
						t.Fatalf("durable %q", cfg.Durable)
					}
					got = append(got, drain(t, ctx, js, stream, cfg)...)
				}
				slices.Sort(got)
				slices.Sort(want[bot])
				if !slices.Equal(got, want[bot]) {
					t.Errorf("bot %s's consumer took %d messages %v, want %d %v", bot, len(got), got, len(want[bot]), want[bot])
				}
			}
			// An ordered partition consumer of a bot takes that bot's
			// partition only.
			cfg, err := events.PartitionConsumerConfig(events.ConsumerOptions{Worker: "echo", Bot: "alerts", Events: []events.ResourceEvent{{Resource: "messages", Event: "created"}}, MaxAckPending: 100}, 5, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Durable != "echo@alerts-p5" {
				t.Errorf("partition consumer %q", cfg.Durable)
			}
			cfg.PriorityPolicy, cfg.PriorityGroups, cfg.PinnedTTL = jetstream.PriorityPolicyNone, nil, 0
			got := drain(t, ctx, js, sh.StreamOf(5), cfg)
			wantP := []string{events.BotEventSubject("alerts", "messages", "created", 5), events.BotReplaySubject("echo", "alerts", "messages", "created", 5)}
			slices.Sort(got)
			slices.Sort(wantP)
			if !slices.Equal(got, wantP) {
				t.Errorf("partition consumer took %v, want %v", got, wantP)
			}
		})
	}
}

// drain creates cfg's consumer on stream and returns the subjects of
// everything it delivers.
func drain(t *testing.T, ctx context.Context, js jetstream.JetStream, stream string, cfg jetstream.ConsumerConfig) []string {
	t.Helper()
	cons, err := js.CreateOrUpdateConsumer(ctx, stream, cfg)
	if err != nil {
		t.Fatalf("consumer %s on %s: %v", cfg.Durable, stream, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for n := int(info.NumPending); n > 0; {
		batch, err := cons.FetchNoWait(min(n, 500))
		if err != nil {
			t.Fatal(err)
		}
		for msg := range batch.Messages() {
			got = append(got, msg.Subject())
			_ = msg.Ack()
			n--
		}
		if batch.Error() != nil {
			t.Fatal(batch.Error())
		}
	}
	return got
}
