package echo_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/echo"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

func TestConformance(t *testing.T) {
	var users atomic.Int64
	pipelinetest.Conformance(t, pipelinetest.WorkerType{
		Name:   echo.Name,
		Events: echo.Events,
		New: func(p *pipelinetest.Pipeline, api *webexcall.Client) (workers.Handler, error) {
			return echo.New(api, echo.Config{RecheckAfter: time.Second, Identity: api.Identity(), Logger: pipelinetest.Logger(p.T)})
		},
		// Each act is a new user's direct room, where the bot can look for
		// its earlier reply.
		Act: func(p *pipelinetest.Pipeline) func() int {
			who := fmt.Sprintf("user%d@example.com", users.Add(1))
			m, err := p.Sim.PostAsUser(emulator.UserMessage{PersonEmail: who, Text: "hello"})
			if err != nil {
				p.T.Fatal(err)
			}
			return func() int { return len(p.BotMessages(m.RoomID)) }
		},
		Own: func(p *pipelinetest.Pipeline) func() int {
			m, err := p.Client.SendMessage(p.T.Context(), &webex.MessageRequest{ToPersonEmail: "own@example.com", Text: "the bot speaks first"})
			if err != nil {
				p.T.Fatal(err)
			}
			return func() int { return len(p.BotMessages(m.RoomID)) - 1 }
		},
		CallsWebex: true,
	})
}
