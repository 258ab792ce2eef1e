package echo_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// Each case makes Webex fail in one way and checks that the user still gets
// exactly one reply, or none and a dead letter when retrying cannot help.
func TestWebexFailures(t *testing.T) {
	tests := []struct {
		name        string
		timeout     time.Duration
		fault       emulator.Fault
		wantReplies int
		wantDLQ     int
		check       func(t *testing.T, p *pipeline, postAttempts []time.Time)
	}{
		{
			name:        "429 with Retry-After is retried no earlier than asked",
			fault:       emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: 429, RetryAfter: "1", Times: 2},
			wantReplies: 1,
			check: func(t *testing.T, _ *pipeline, posts []time.Time) {
				if len(posts) != 3 {
					t.Fatalf("%d POST /messages, want 3 (two refused, one accepted)", len(posts))
				}
				for i := 1; i < len(posts); i++ {
					if gap := posts[i].Sub(posts[i-1]); gap < time.Second {
						t.Errorf("attempt %d came %s after the 429, before its Retry-After of 1s", i+1, gap)
					}
				}
			},
		},
		{
			name:        "503 is retried with backoff",
			fault:       emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: 503, Times: 3},
			wantReplies: 1,
		},
		{
			name:        "404 right after the webhook is replication lag",
			fault:       emulator.Fault{Method: http.MethodGet, Path: "/messages/", Status: 404, Times: 2},
			wantReplies: 1,
		},
		{
			name:        "400 is permanent: dead-lettered, not retried",
			fault:       emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: 400, Times: 1},
			wantReplies: 0,
			wantDLQ:     1,
			check: func(t *testing.T, _ *pipeline, posts []time.Time) {
				if len(posts) != 1 {
					t.Errorf("%d POST /messages, want 1", len(posts))
				}
			},
		},
		{
			// The POST times out on the client but Webex stores the reply
			// anyway; the redelivery finds it and does not post again.
			name:        "timed-out POST that succeeded is not sent twice",
			timeout:     300 * time.Millisecond,
			fault:       emulator.Fault{Method: http.MethodPost, Path: "/messages", Delay: 600 * time.Millisecond, Times: 1},
			wantReplies: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			p := startPipelineWith(t, timeout)
			p.startWorker()
			p.Sim.InjectFault(tt.fault)
			sent, err := p.Sim.PostAsUser(emulator.UserMessage{Text: "through trouble"})
			if err != nil {
				t.Fatal(err)
			}
			p.settle(1 + tt.wantReplies)
			if tt.wantReplies > 0 {
				// The reply's own webhook is the last event to settle.
				waitfor.Until(t, 10*time.Second, func() (bool, string) {
					return len(p.replies(sent.RoomID)) >= tt.wantReplies, "no reply yet"
				})
				p.settle(1 + tt.wantReplies)
			}
			if got := len(p.replies(sent.RoomID)); got != tt.wantReplies {
				t.Errorf("%d replies, want %d", got, tt.wantReplies)
			}
			if got := p.DLQCount(); got != tt.wantDLQ {
				t.Errorf("%d dead letters, want %d", got, tt.wantDLQ)
			}
			if tt.check != nil {
				var posts []time.Time
				for _, c := range p.Sim.Calls() {
					if c.Method == http.MethodPost && strings.HasSuffix(c.Path, "/messages") {
						posts = append(posts, c.At)
					}
				}
				tt.check(t, p, posts)
			}
		})
	}
}
