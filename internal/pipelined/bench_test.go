package pipelined_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/internal/pipelined"
)

// BenchmarkPublish stores 2 KB messages with a Nats-Msg-Id and an expected
// stream on a file-storage stream of an embedded server: one at a time,
// each waiting for its acknowledgement (how the producers published
// before), and pipelined with a few in-flight bounds.
func BenchmarkPublish(b *testing.B) {
	body := make([]byte, 2048)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	newMsg := func(i int) *nats.Msg {
		m := nats.NewMsg("pipe.events." + strconv.Itoa(i%16))
		m.Data = body
		m.Header.Set(jetstream.MsgIDHeader, "bench-"+strconv.Itoa(i))
		return m
	}
	setup := func(b *testing.B) jetstream.JetStream {
		_, js := localnats.StartTest(b).ConnectTest(b)
		if _, err := js.CreateStream(context.Background(), jetstream.StreamConfig{
			Name: testStream, Subjects: []string{"pipe.>"}, Storage: jetstream.FileStorage,
		}); err != nil {
			b.Fatal(err)
		}
		return js
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	}
	expect := jetstream.WithExpectStream(testStream)

	b.Run("sequential", func(b *testing.B) {
		js := setup(b)
		ctx := context.Background()
		b.ResetTimer()
		for i := range b.N {
			if _, err := js.PublishMsg(ctx, newMsg(i), expect); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
	for _, window := range []int{16, 64, 128, 256} {
		b.Run(fmt.Sprintf("pipelined-%d", window), func(b *testing.B) {
			js := setup(b)
			ctx := context.Background()
			p := pipelined.New(js, pipelined.Options{MaxInFlight: window, PublishOpts: []jetstream.PublishOpt{expect}})
			b.ResetTimer()
			for i := range b.N {
				if err := p.Publish(ctx, newMsg(i), nil); err != nil {
					b.Fatal(err)
				}
			}
			if err := p.Wait(ctx); err != nil {
				b.Fatal(err)
			}
			report(b)
		})
	}
}
