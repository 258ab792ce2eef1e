package memberships_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webexpipe/webexpipe/internal/metricstest"
	"github.com/webexpipe/webexpipe/internal/pipelinetest"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/memberships"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webexcall"
)

func TestConformance(t *testing.T) {
	var people atomic.Int64
	// One registry per pipeline: each subtest counts only its own.
	regs := map[*pipelinetest.Pipeline]*prometheus.Registry{}
	var mu = make(chan struct{}, 1)
	reg := func(p *pipelinetest.Pipeline) *prometheus.Registry {
		mu <- struct{}{}
		defer func() { <-mu }()
		if regs[p] == nil {
			regs[p] = prometheus.NewRegistry()
		}
		return regs[p]
	}
	pipelinetest.Conformance(t, pipelinetest.WorkerType{
		Name:   memberships.Name,
		Events: memberships.Events,
		New: func(p *pipelinetest.Pipeline, _ *webexcall.Client) (workers.Handler, error) {
			return memberships.New(memberships.Config{Metrics: reg(p)})
		},
		Act: func(p *pipelinetest.Pipeline) func() int {
			who := fmt.Sprintf("person%d@example.com", people.Add(1))
			if _, err := p.Sim.ChangeMembership(emulator.MembershipChange{RoomID: "space", PersonEmail: who}); err != nil {
				p.T.Fatal(err)
			}
			return func() int {
				return int(metricstest.Value(p.T, reg(p), "webexpipe_memberships_events_total", map[string]string{"event": "created"}))
			}
		},
		RepeatsOnCrash: "its side effect is a log line and a counter inside the process: a crash loses them with the process",
	})
}
