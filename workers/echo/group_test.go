package echo_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/syncbuf"
	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

// TestAmbiguousReplyInGroupRoom has the reply's POST time out on the client
// while Webex posts it, in a group room, which a bot may not list. With the
// stored events to look in, the webhook of the bot's own reply proves it
// was posted and it is not sent again. Without them the reply is sent again
// (the documented limit), with a warning and a count.
func TestAmbiguousReplyInGroupRoom(t *testing.T) {
	for _, tt := range []struct {
		name        string
		witness     bool
		wantReplies int
		wantCounted float64
	}{
		{name: "the stored webhook of the reply is proof", witness: true, wantReplies: 1},
		{name: "without stored events the resend is warned about and counted", wantReplies: 2, wantCounted: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := startPipelineWith(t, 300*time.Millisecond)
			reg := prometheus.NewRegistry()
			o := webexcall.Options{Worker: echo.Name, Metrics: reg}
			if tt.witness {
				o.Events = p.JS
			}
			api, err := webexcall.New(p.Client, o)
			if err != nil {
				t.Fatal(err)
			}
			var log syncbuf.Buffer
			// The recheck waits long enough for the reply's webhook to be
			// stored, as the production default (10s) does.
			h, err := echo.New(api, echo.Config{Logger: slog.New(slog.NewTextHandler(&log, nil)), RecheckAfter: 3 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			p.StartWorker(p.WorkerConfig(echo.Name, echo.Events), h)
			p.Sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Delay: 600 * time.Millisecond, Times: 1})
			sent, err := p.Sim.PostAsUser(emulator.UserMessage{RoomID: "team-room", RoomType: "group", Text: "hello team", MentionBot: true})
			if err != nil {
				t.Fatal(err)
			}
			waitfor.Until(t, 30*time.Second, func() (bool, string) {
				return len(p.replies(sent.RoomID)) >= tt.wantReplies, "replies not posted yet"
			})
			p.settle(1 + tt.wantReplies) // the message and the bot's replies, delivered back
			if got := len(p.replies(sent.RoomID)); got != tt.wantReplies {
				t.Errorf("%d replies in the group room, want %d", got, tt.wantReplies)
			}
			if got := metricstest.Value(t, reg, "webexpipe_webex_resends_unverified_total", map[string]string{"worker": echo.Name}); got != tt.wantCounted {
				t.Errorf("unverified resends counted %v, want %v", got, tt.wantCounted)
			}
			warned := strings.Contains(log.String(), "level=WARN") && strings.Contains(log.String(), "may get two replies")
			if warned != (tt.wantCounted > 0) {
				t.Errorf("warned %v, want %v; log:\n%s", warned, tt.wantCounted > 0, log.String())
			}
		})
	}
}
