package events

import (
	"strings"
	"testing"
)

// TestRolesAreWellFormed checks what the generated NATS config relies on:
// unique users, subjects NATS accepts as permissions (no empty token, ">"
// only last), and every restricted user reading only its own inbox.
func TestRolesAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Roles(DefaultPartitions) {
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
	for _, r := range Roles(4) {
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
