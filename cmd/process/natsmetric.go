package process

import (
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
)

// RegisterNATSConnected adds webexpipe_nats_connected to reg: 1 while nc
// is connected, 0 while it is reconnecting or closed. It is read at each
// scrape, so an alert sees an outage as soon as the client does; the
// process keeps serving /metrics meanwhile.
func RegisterNATSConnected(reg prometheus.Registerer, nc *nats.Conn) error {
	return reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "webexpipe_nats_connected",
		Help: "1 while this process's NATS connection is up, 0 while it is reconnecting or closed.",
	}, func() float64 {
		if nc.Status() == nats.CONNECTED {
			return 1
		}
		return 0
	}))
}
