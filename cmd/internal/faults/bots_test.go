package faults

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// TestOneBotRateLimited runs two bots through one ingest, one echo worker
// and one retry worker. After a first round of messages to both, Webex
// answers every call of the second bot, beta, with 429 for a while (15 s;
// a minute with FAULTS_LONG), and a second round is sent. Beta's token is
// paused, and its events wait in its own consumers; alpha's must all be
// answered while beta still waits, and beta's once its pause is over,
// each message once. The test logs alpha's message-to-reply latency in
// both rounds: the isolation the README reports.
func TestOneBotRateLimited(t *testing.T) {
	r := newRig(t, rigOptions{bots: []string{"alpha", "beta"}})
	r.startAll()
	n, rate := size()
	pause := 15 * time.Second
	if long() {
		pause = time.Minute
	}

	first := r.postRound(n, rate)
	r.waitReplied(first, "the first round answered")

	r.sim.InjectFault(emulator.Fault{Bot: "beta", Status: http.StatusTooManyRequests,
		RetryAfter: strconv.Itoa(int(pause / time.Second)), For: pause})
	second := r.postRound(n, rate)
	alpha := r.ofBot(second, "alpha")
	r.waitReplied(alpha, "alpha's second round answered while beta is rate-limited")
	// Beta must still be waiting now: its pause outlasts the round, and
	// alpha's answers did not wait for it.
	beta := r.ofBot(second, "beta")
	if waiting := len(beta) - r.repliedCount(beta); waiting == 0 {
		t.Errorf("every beta message was answered before alpha's: the rate limit held nothing back")
	} else {
		t.Logf("when alpha's round was answered, %d of beta's %d messages were waiting for its pause", waiting, len(beta))
	}
	limited := 0
	for _, c := range r.sim.Calls() {
		if c.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Error("no call of beta's was refused with 429")
	}
	o := r.settle(pause + 90*time.Second)
	if o.accepted != o.posted {
		t.Errorf("%d of %d deliveries refused; ingest was never down", o.posted-o.accepted, o.posted)
	}
	if n := r.deadLetters(); n > 0 {
		t.Errorf("%d events dead-lettered; a rate limit is waited out", n)
	}
	base, during := r.latencies(r.ofBot(first, "alpha")), r.latencies(alpha)
	t.Logf("alpha message-to-reply: without beta paused p50 %s p99 %s (%d messages); with beta paused p50 %s p99 %s (%d messages); 429s answered to beta: %d",
		pct(base, 50), pct(base, 99), len(base), pct(during, 50), pct(during, 99), len(during), limited)
}

// TestOneBotFloods: beta's users send a burst of messages all at once,
// and each of beta's replies takes Webex 500 ms, so beta has a backlog of
// many seconds of work; meanwhile alpha's users write at a steady pace.
// Alpha's messages must all be answered while beta's backlog is still
// being worked off, and the test logs alpha's message-to-reply latency
// before and during the flood, and beta's.
func TestOneBotFloods(t *testing.T) {
	r := newRig(t, rigOptions{bots: []string{"alpha", "beta"}})
	r.startAll()
	flood, steady, rate := 300, 30, 10
	if long() {
		flood, steady = 3000, 300
	}
	first := r.postRound(steady, rate)
	r.waitReplied(first, "the first round answered")
	base := r.latencies(r.ofBot(first, "alpha"))

	r.sim.InjectFault(emulator.Fault{Bot: "beta", Method: http.MethodPost, Path: "/messages", Delay: 500 * time.Millisecond})
	burst := r.postTo("beta", flood, 0)
	alpha := r.postTo("alpha", steady, rate)
	r.waitReplied(alpha, "alpha answered during beta's flood")
	if waiting := len(burst) - r.repliedCount(burst); waiting == 0 {
		t.Errorf("beta's whole flood was answered before alpha's messages: nothing tested")
	} else {
		t.Logf("when alpha's messages were answered, %d of beta's %d were still waiting", waiting, len(burst))
	}
	// Beta's backlog takes flood × 500 ms over the worker's 16 handlers:
	// about 10 s, or a minute and a half with FAULTS_LONG; the deadline
	// allows for half the handlers and a minute more.
	o := r.settle(time.Duration(flood)*500*time.Millisecond/8 + time.Minute)
	r.sim.ClearFaults()
	if o.accepted != o.posted {
		t.Errorf("%d of %d deliveries refused; ingest was never down", o.posted-o.accepted, o.posted)
	}
	during, betas := r.latencies(alpha), r.latencies(burst)
	t.Logf("alpha message-to-reply: before beta's flood p50 %s p99 %s (%d messages); during it p50 %s p99 %s (%d messages); beta's flood of %d: p50 %s p99 %s",
		pct(base, 50), pct(base, 99), len(base), pct(during, 50), pct(during, 99), len(during), len(burst), pct(betas, 50), pct(betas, 99))
}

// postTo posts n messages to bot, as four users, at rate per second (0: as
// fast as the emulator takes them); it returns their indexes in posted.
func (r *rig) postTo(bot string, n, rate int) []int {
	r.t.Helper()
	var tick <-chan time.Time
	if rate > 0 {
		tk := time.NewTicker(time.Second / time.Duration(rate))
		defer tk.Stop()
		tick = tk.C
	}
	out := make([]int, 0, n)
	for i := range n {
		if tick != nil {
			<-tick
		}
		out = append(out, r.post(bot, i%4))
	}
	return out
}

// postRound posts n messages at rate per second, alternately to each of
// the rig's bots, as four users each; it returns their indexes in posted.
func (r *rig) postRound(n, rate int) []int {
	r.t.Helper()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	out := make([]int, 0, n)
	for i := range n {
		<-tick.C
		out = append(out, r.post(r.opts.bots[i%len(r.opts.bots)], i%4))
	}
	return out
}

// post writes one message to bot as user number user, marked with its
// index in posted, and returns that index.
func (r *rig) post(bot string, user int) int {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	idx := len(r.posted)
	m, err := r.sim.PostAsUser(emulator.UserMessage{Bot: bot, PersonEmail: fmt.Sprintf("user%d@example.com", user), Text: marker(idx) + " hello " + bot})
	if err != nil {
		r.t.Fatalf("post %d to %s: %v", idx, bot, err)
	}
	r.posted = append(r.posted, m)
	return idx
}

// ofBot keeps the messages of idx that were sent to bot.
func (r *rig) ofBot(idx []int, bot string) []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for _, i := range idx {
		if strings.HasSuffix(r.posted[i].Text, " hello "+bot) {
			out = append(out, i)
		}
	}
	return out
}

// repliedCount is how many of idx have a reply.
func (r *rig) repliedCount(idx []int) int {
	r.mu.Lock()
	posted := append([]webex.Message(nil), r.posted...)
	r.mu.Unlock()
	replies := r.replies(posted)
	n := 0
	for _, i := range idx {
		if replies[i] > 0 {
			n++
		}
	}
	return n
}

// waitReplied polls until every message of idx has a reply.
func (r *rig) waitReplied(idx []int, what string) {
	r.t.Helper()
	r.waitFor(what, func() bool { return r.repliedCount(idx) == len(idx) })
}

// latencies are the times from each message of idx to the bot's first
// reply to it, as Webex (the emulator) stamped both.
func (r *rig) latencies(idx []int) []time.Duration {
	r.mu.Lock()
	msgs := make([]webex.Message, len(idx))
	for k, i := range idx {
		msgs[k] = r.posted[i]
	}
	r.mu.Unlock()
	replies := r.repliesTo(msgs)
	var out []time.Duration
	for k, i := range idx {
		sent, err := time.Parse(time.RFC3339Nano, msgs[k].Created)
		if err != nil {
			continue
		}
		var first time.Time
		for _, m := range replies[i] {
			if at, err := time.Parse(time.RFC3339Nano, m.Created); err == nil && (first.IsZero() || at.Before(first)) {
				first = at
			}
		}
		if !first.IsZero() {
			out = append(out, first.Sub(sent))
		}
	}
	slices.Sort(out)
	return out
}

// pct is the p-th percentile of sorted durations, to the millisecond.
func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(i-1, 0)].Round(time.Millisecond)
}
