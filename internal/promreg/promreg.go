// Package promreg registers Prometheus collectors that several instances
// of one component share: the second instance gets the collector the
// first registered under the same description, not an error.
package promreg

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Register registers c with reg, or returns the collector of the same
// type already registered under c's description. Any other failure is
// returned as an error naming what (e.g. "worker metrics").
func Register[C prometheus.Collector](reg prometheus.Registerer, c C, what string) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("register %s: %w", what, err)
}
