package events

import (
	"slices"
	"strings"
	"testing"
)

// TestRolesAreWellFormed checks what the generated NATS config relies on:
// unique users, subjects NATS accepts as permissions (no empty token, ">"
// only last), and every restricted user reading only its own inbox.
func TestRolesAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Roles(DefaultSharding()) {
		if !ValidToken(r.User) || seen[r.User] {
			t.Errorf("user %q: invalid or repeated", r.User)
		}
		seen[r.User] = true
		if r.Unrestricted {
			if len(r.Publish)+len(r.Subscribe) > 0 {
				t.Errorf("%s: unrestricted with a permission list", r.User)
			}
			continue
		}
		if len(r.Subscribe) != 1 || r.Subscribe[0] != InboxPrefix(r.User)+".>" {
			t.Errorf("%s may subscribe to %v, want only its inbox", r.User, r.Subscribe)
		}
		for _, s := range append(append([]string{}, r.Publish...), r.Subscribe...) {
			toks := strings.Split(s, ".")
			for i, tok := range toks {
				if tok == "" || (tok == ">" && i != len(toks)-1) || strings.ContainsAny(tok, " \t*>") && tok != "*" && tok != ">" {
					t.Errorf("%s: subject %q is not a valid permission", r.User, s)
					break
				}
			}
		}
	}
}

// TestOrderedPartitionsCovered: a worker may use each partition consumer
// of ordered mode, and no more than the partitions asked for.
func TestOrderedPartitionsCovered(t *testing.T) {
	for _, r := range Roles(Sharding{Shards: 1, Partitions: 4}) {
		if r.User != "echo" {
			continue
		}
		has := map[string]bool{}
		for _, s := range r.Publish {
			has[s] = true
		}
		for p := range 4 {
			name := PartitionConsumerName("echo", p)
			if !has["$JS.API.CONSUMER.MSG.NEXT."+EventsStream+"."+name] || !has["$JS.API.CONSUMER.UNPIN."+EventsStream+"."+name] {
				t.Errorf("echo may not pull or unpin %s", name)
			}
		}
		if has["$JS.API.CONSUMER.MSG.NEXT."+EventsStream+"."+PartitionConsumerName("echo", 4)] {
			t.Error("echo may pull a fifth partition of four")
		}
		return
	}
	t.Fatal("no echo role")
}

// allowed is what user may publish to under Roles(s).
func allowed(t *testing.T, s Sharding, user string) map[string]bool {
	t.Helper()
	for _, r := range Roles(s) {
		if r.User == user {
			has := map[string]bool{}
			for _, subj := range r.Publish {
				has[subj] = true
			}
			return has
		}
	}
	t.Fatalf("no role %s", user)
	return nil
}

// TestShardedRoles: with three shards every user that reads or stores
// events may look at each shard's stream and at the one past the last
// (CheckShards); a worker may use its shared consumer on every shard and
// each partition consumer on its partition's shard only; the recovery's
// consumer exists on every shard.
func TestShardedRoles(t *testing.T) {
	s := Sharding{Shards: 3, Partitions: 16}
	for _, user := range []string{IngestUser, "echo", "cards", "memberships", WebhooksUser} {
		has := allowed(t, s, user)
		for k := range 4 {
			if !has["$JS.API.STREAM.INFO."+ShardStream(k)] {
				t.Errorf("%s may not look at %s", user, ShardStream(k))
			}
		}
		if has["$JS.API.STREAM.INFO."+ShardStream(4)] {
			t.Errorf("%s may look at %s, beyond the check's need", user, ShardStream(4))
		}
	}
	echo := allowed(t, s, "echo")
	for k := range 3 {
		stream := ShardStream(k)
		if !echo["$JS.API.CONSUMER.MSG.NEXT."+stream+".echo"] || !echo["$JS.API.STREAM.MSG.GET."+stream] {
			t.Errorf("echo may not pull its shared consumer on %s or read its backlog", stream)
		}
	}
	for p := range 16 {
		name := PartitionConsumerName("echo", p)
		for k := range 3 {
			want := k == s.Of(p)
			if got := echo["$JS.API.CONSUMER.MSG.NEXT."+ShardStream(k)+"."+name]; got != want {
				t.Errorf("echo may pull %s on %s: %v, want %v", name, ShardStream(k), got, want)
			}
			if got := echo["$JS.API.CONSUMER.UNPIN."+ShardStream(k)+"."+name]; got != want {
				t.Errorf("echo may unpin %s on %s: %v, want %v", name, ShardStream(k), got, want)
			}
		}
	}
	if echo["$JS.API.CONSUMER.MSG.NEXT."+ShardStream(3)+".echo"] {
		t.Error("echo may pull on a fourth shard of three")
	}
	webhooks := allowed(t, s, WebhooksUser)
	for k := range 3 {
		if !webhooks["$JS.API.CONSUMER.MSG.NEXT."+ShardStream(k)+"."+RecoveryConsumer] {
			t.Errorf("webhooks may not read %s through %s", ShardStream(k), RecoveryConsumer)
		}
	}
}

// With bots, each worker user may use each bot's consumers and the
// watchdog's user may recover each bot's messages; without, nothing of a
// bot is allowed.
func TestRolesWithBots(t *testing.T) {
	has := func(roles []Role, user, subject string) bool {
		for _, r := range roles {
			if r.User == user {
				return slices.Contains(r.Publish, subject)
			}
		}
		return false
	}
	s := DefaultSharding()
	withBots := Roles(s, DefaultBot, "support")
	for _, want := range []struct{ user, subject string }{
		{"echo", "$JS.API.CONSUMER.MSG.NEXT.WEBEX_EVENTS.echo"},
		{"echo", "$JS.API.CONSUMER.MSG.NEXT.WEBEX_EVENTS.echo@support"},
		{"echo", "$JS.API.CONSUMER.MSG.NEXT.WEBEX_EVENTS.echo@support-p3"},
		{RetryWorker, "$JS.API.CONSUMER.MSG.NEXT.WEBEX_CALLS.retry@support"},
		{WebhooksUser, "$JS.API.CONSUMER.CREATE.WEBEX_EVENTS.webexpipe-recovery.webex.events.support.messages.created.*"},
		{WebhooksUser, "webex.events.support.messages.created.*"},
	} {
		if !has(withBots, want.user, want.subject) {
			t.Errorf("with bots, %s may not publish %s", want.user, want.subject)
		}
		if strings.Contains(want.subject, "support") && has(Roles(s), want.user, want.subject) {
			t.Errorf("without bots, %s may publish %s", want.user, want.subject)
		}
	}
	// What every bot shares is listed once, not once a bot.
	for _, r := range Roles(Sharding{Shards: 2, Partitions: 4}, DefaultBot, "support", "alerts") {
		seen := map[string]bool{}
		for _, p := range r.Publish {
			if seen[p] {
				t.Errorf("%s: %s listed twice", r.User, p)
			}
			seen[p] = true
		}
	}
}
