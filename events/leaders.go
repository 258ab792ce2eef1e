package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// LeaderMove is one change of a shard stream's leader SpreadLeaders asked
// for: the stream's Raft leader From steps down in favour of To (server
// names).
type LeaderMove struct {
	Stream string
	From   string
	To     string
}

// SpreadLeaders moves the leaders of the event streams of s apart. Shards
// exist so that a cluster spreads the writes and deliveries of events
// over its servers, but JetStream elects each stream's leader on its own,
// and two shards led by one server while another leads none leave that
// server doing the work of both. While some server leads two or more
// shard streams and a server that replicates one of them (and is not
// offline) leads none, SpreadLeaders asks that stream's leader to step
// down with the idle server as the preferred successor
// ($JS.API.STREAM.LEADER.STEPDOWN.<stream> with a placement, nats-server
// 2.11 and later).
//
// The server may elect another peer than the preferred one (one it has
// not heard from lately is passed over), so after each round of moves
// SpreadLeaders waits for the moved streams to have a leader again and
// looks once more, for at most spreadRounds rounds. It is best effort all
// the same, and leaders move again when servers restart. It returns the
// moves it asked for, those that failed included, and the errors joined;
// streams without replicas need no move and are left alone. It needs the
// stream info and the step-down of every shard stream (the admin user).
func SpreadLeaders(ctx context.Context, js jetstream.JetStream, s Sharding) ([]LeaderMove, error) {
	var all []LeaderMove
	for range spreadRounds {
		moves, err := spreadRound(ctx, js, s)
		all = append(all, moves...)
		if err != nil || len(moves) == 0 {
			return all, err
		}
		if err := awaitLeaders(ctx, js, moves); err != nil {
			return all, err
		}
	}
	return all, nil
}

// spreadRounds bounds the rounds of moves SpreadLeaders asks for.
const spreadRounds = 3

// leaderPoll is how often awaitLeaders looks at a moved stream, and
// lookTimeout bounds one look at a stream: a stream electing a leader may
// leave the request unanswered, and that must not use up the caller's
// whole context.
const (
	leaderPoll  = 50 * time.Millisecond
	lookTimeout = 2 * time.Second
)

// awaitLeaders waits until every stream moves names has a leader again.
func awaitLeaders(ctx context.Context, js jetstream.JetStream, moves []LeaderMove) error {
	for _, m := range moves {
		for {
			if hasLeader(ctx, js, m.Stream) {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("stream %s: no leader after the move: %w", m.Stream, ctx.Err())
			case <-time.After(leaderPoll):
			}
		}
	}
	return nil
}

// hasLeader reports whether stream has a leader that answers.
func hasLeader(ctx context.Context, js jetstream.JetStream, stream string) bool {
	st, err := lookAt(ctx, js, stream)
	if err != nil {
		return false
	}
	ci := st.CachedInfo().Cluster
	return ci != nil && ci.Leader != ""
}

// lookAt gets stream's info, waiting at most lookTimeout.
func lookAt(ctx context.Context, js jetstream.JetStream, stream string) (jetstream.Stream, error) {
	ctx, cancel := context.WithTimeout(ctx, lookTimeout)
	defer cancel()
	return js.Stream(ctx, stream)
}

// leadShard is a shard stream as spreadRound sees it.
type leadShard struct {
	stream, leader string
	peers          []string // replicas that may take over, not offline
}

// nextMove finds a shard whose leader leads others too and one of its
// peers that leads none; to is "" when there is none.
func nextMove(shards []*leadShard, leads map[string]int) (sh *leadShard, to string) {
	for _, sh := range shards {
		if leads[sh.leader] < 2 {
			continue
		}
		for _, p := range sh.peers {
			if leads[p] == 0 {
				return sh, p
			}
		}
	}
	return nil, ""
}

// spreadRound asks for the moves the leaders as they are now call for.
func spreadRound(ctx context.Context, js jetstream.JetStream, s Sharding) ([]LeaderMove, error) {
	var shards []*leadShard
	var errs []error
	leads := map[string]int{} // server name -> shard streams it leads
	for _, name := range s.Streams() {
		st, err := lookAt(ctx, js, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("stream %s: %w", name, err))
			continue
		}
		ci := st.CachedInfo().Cluster
		if ci == nil || ci.Leader == "" || len(ci.Replicas) == 0 {
			continue // not replicated, or electing a leader right now
		}
		sh := &leadShard{stream: name, leader: ci.Leader}
		leads[ci.Leader]++
		for _, r := range ci.Replicas {
			if r == nil || r.Offline {
				continue
			}
			sh.peers = append(sh.peers, r.Name)
		}
		shards = append(shards, sh)
	}
	var moves []LeaderMove
	for sh, to := nextMove(shards, leads); sh != nil; sh, to = nextMove(shards, leads) {
		moves = append(moves, LeaderMove{Stream: sh.stream, From: sh.leader, To: to})
		if err := stepDown(ctx, js, sh.stream, to); err != nil {
			errs = append(errs, err)
		}
		// Counted as moved either way, so a refused move is not asked
		// for again.
		leads[sh.leader]--
		leads[to]++
		sh.leader = to
	}
	return moves, errors.Join(errs...)
}

// stepDownRequest is the body of a stream leader step-down naming the
// preferred successor.
type stepDownRequest struct {
	Placement struct {
		Preferred string `json:"preferred"`
	} `json:"placement"`
}

// stepDownResponse is JetStream's answer to a step-down.
type stepDownResponse struct {
	Success bool                `json:"success"`
	Error   *jetstream.APIError `json:"error"`
}

// stepDown asks stream's leader to hand over to the server named to.
func stepDown(ctx context.Context, js jetstream.JetStream, stream, to string) error {
	var req stepDownRequest
	req.Placement.Preferred = to
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, lookTimeout)
	defer cancel()
	msg, err := js.Conn().RequestWithContext(ctx, jsAPI("STREAM.LEADER.STEPDOWN."+stream), body)
	if err != nil {
		return fmt.Errorf("step down the leader of %s for %s: %w", stream, to, err)
	}
	var resp stepDownResponse
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		return fmt.Errorf("step down the leader of %s: answer: %w", stream, err)
	}
	if resp.Error != nil {
		return fmt.Errorf("step down the leader of %s for %s: %w", stream, to, resp.Error)
	}
	if !resp.Success {
		return fmt.Errorf("step down the leader of %s for %s: not done", stream, to)
	}
	return nil
}
