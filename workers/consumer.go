package workers

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// ensure creates the durable consumer that spec describes, on its stream, or updates
// it to the current config while keeping its position: JetStream refuses
// to change a consumer's deliver policy, so an existing consumer's policy
// and start point are reused and StartAt applies only to a new one.
func (r *Runner) ensure(ctx context.Context, spec feedSpec) (jetstream.Consumer, error) {
	// Two replicas starting together may both find no consumer; the one
	// that creates it second then updates it and must take its position.
	const attempts = 2
	var err error
	for range attempts {
		var cons jetstream.Consumer
		if cons, err = r.createOrUpdateConsumer(ctx, spec); err == nil {
			return cons, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, err
}

func (r *Runner) createOrUpdateConsumer(ctx context.Context, spec feedSpec) (jetstream.Consumer, error) {
	cfg, err := spec.declare()
	if err != nil {
		return nil, err
	}
	stream := spec.stream
	existing, err := r.js.Consumer(ctx, stream, cfg.Durable)
	switch {
	case err == nil:
		keepPosition(&cfg, existing.CachedInfo().Config)
	case errors.Is(err, jetstream.ErrConsumerNotFound):
		r.cfg.StartAt.apply(&cfg)
	default:
		return nil, fmt.Errorf("look up consumer %s on %s: %w", cfg.Durable, stream, err)
	}
	cons, err := r.js.CreateOrUpdateConsumer(ctx, stream, cfg)
	if err != nil {
		return nil, fmt.Errorf("create or update consumer %s on %s: %w", cfg.Durable, stream, err)
	}
	return cons, nil
}
