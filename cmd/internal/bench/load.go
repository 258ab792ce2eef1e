package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/webexpipe/webexpipe/events"
)

// Run sends deliveries to cfg.URL until cfg.Count were sent, cfg.Duration
// passed or ctx ended, and returns what it measured. An error means the run
// could not start; failed requests are counted in Result.Errors.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	cfg = cfg.withDefaults()
	client := newClient(cfg)
	defer client.CloseIdleConnections()
	return run(ctx, cfg, client, cfg.URL, newDeliveries(cfg.Rooms)), nil
}

func newClient(cfg Config) *http.Client {
	return &http.Client{
		Timeout: cfg.Timeout,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        cfg.Connections,
			MaxIdleConnsPerHost: cfg.Connections,
			MaxConnsPerHost:     cfg.Connections,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// job is one delivery to send; due is when it was scheduled (the start of
// its latency), zero in closed-loop mode.
type job struct {
	n   int64
	due time.Time
}

// tally is one sender's counts, merged at the end.
type tally struct {
	sent      int
	latencies []time.Duration
	errors    map[string]int
}

func run(ctx context.Context, cfg Config, client *http.Client, url string, d deliveries) Result {
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	jobs := make(chan job, cfg.Connections)
	tallies := make([]tally, cfg.Connections)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range tallies {
		t := &tallies[i]
		t.errors = map[string]int{}
		wg.Go(func() {
			for j := range jobs {
				t.sent++
				send(ctx, client, url, cfg.Secret, d, j, t)
			}
		})
	}
	schedule(ctx, cfg, jobs, start)
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)

	r := Result{Target: url, Elapsed: elapsed.Seconds(), Errors: map[string]int{}}
	var all []time.Duration
	for _, t := range tallies {
		r.Sent += t.sent
		all = append(all, t.latencies...)
		for k, v := range t.errors {
			r.Errors[k] += v
		}
	}
	r.OK = len(all)
	r.PerSec = float64(r.OK) / elapsed.Seconds()
	r.Latency = percentiles(all)
	return r
}

// schedule feeds jobs until the count or ctx ends them: on a fixed
// timetable with cfg.Rate, else as fast as the senders take them.
func schedule(ctx context.Context, cfg Config, jobs chan<- job, start time.Time) {
	var interval time.Duration
	if cfg.Rate > 0 {
		interval = time.Second / time.Duration(cfg.Rate)
	}
	for n := int64(0); cfg.Count == 0 || n < int64(cfg.Count); n++ {
		j := job{n: n}
		if interval > 0 {
			j.due = start.Add(time.Duration(n) * interval)
			if wait := time.Until(j.due); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case jobs <- j:
		}
	}
}

func send(ctx context.Context, client *http.Client, url string, secret []byte, d deliveries, j job, t *tally) {
	body := d.body(j.n, time.Now())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.errors["request"]++
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "webexpipe-bench")
	req.Header.Set(events.SignatureHeader, events.Sign(secret, body))
	began := j.due
	if began.IsZero() {
		began = time.Now()
	}
	resp, err := client.Do(req)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			t.sent-- // cut off by the end of the run, not a failure
		case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
			t.errors["timeout"]++
		default:
			t.errors["transport"]++
		}
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.errors[statusKey(resp.StatusCode)]++
		return
	}
	t.latencies = append(t.latencies, time.Since(began))
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
