package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// E2EConfig is an end-to-end run: messages posted as users to the Webex
// emulator's control API, replies read back from the rooms. The pipeline
// (emulator → ingest → JetStream → echo worker → emulator) must be running,
// for instance `webexpipe dev`, with an echo mode that quotes the text.
type E2EConfig struct {
	// SimURL is the emulator's base URL (its API root, ending in /v1, is
	// accepted too); it must be on loopback.
	SimURL string
	// Rate is messages per second; default 20.
	Rate int
	// Count is how many messages are posted; default 200.
	Count int
	// Users is how many users post, each in their direct room with the
	// bot; default 8.
	Users int
	// Wait bounds the wait for replies after the last post; default 30s.
	Wait time.Duration
}

// MaxE2ERate bounds the messages per second of an end-to-end run.
const MaxE2ERate = 10_000

func (c E2EConfig) withDefaults() E2EConfig {
	if c.Rate == 0 {
		c.Rate = 20
	}
	if c.Count == 0 {
		c.Count = 200
	}
	if c.Users == 0 {
		c.Users = 8
	}
	if c.Wait == 0 {
		c.Wait = 30 * time.Second
	}
	return c
}

// Validate reports the first setting that cannot work.
func (c E2EConfig) Validate() error {
	if err := CheckLoopback(c.SimURL); err != nil {
		return err
	}
	switch {
	case c.Rate < 0 || c.Rate > MaxE2ERate:
		return fmt.Errorf("%w: e2e rate %d: want 1 to %d", ErrInvalidConfig, c.Rate, MaxE2ERate)
	case c.Count < 0 || c.Count > 100_000:
		return fmt.Errorf("%w: e2e count %d: want 1 to 100000", ErrInvalidConfig, c.Count)
	case c.Users < 0 || c.Users > 1000:
		return fmt.Errorf("%w: users %d: want 1 to 1000", ErrInvalidConfig, c.Users)
	case c.Wait < 0 || c.Wait > MaxDuration:
		return fmt.Errorf("%w: wait %s: want at most %s", ErrInvalidConfig, c.Wait, MaxDuration)
	}
	return nil
}

// E2EResult is what an end-to-end run saw. Latency runs from the user's
// message to the bot's reply, both as the emulator stamped them (to the
// millisecond), so polling does not add to it.
type E2EResult struct {
	Posted     int            `json:"posted"`
	PostErrors int            `json:"post_errors"`
	Replied    int            `json:"replied"`
	Missing    int            `json:"missing"`
	Duplicates int            `json:"duplicates"` // replies beyond the first, summed
	Latency    Latency        `json:"latency_ms"`
	Elapsed    float64        `json:"elapsed_s"`
	Errors     map[string]int `json:"errors,omitempty"`
}

// WriteText prints r for a person.
func (r E2EResult) WriteText(w io.Writer) {
	fmt.Fprintf(w, "end to end: posted %d (%d failed), replied %d, missing %d, duplicate replies %d in %.2fs\n",
		r.Posted, r.PostErrors, r.Replied, r.Missing, r.Duplicates, r.Elapsed)
	fmt.Fprintf(w, "  message to reply ms: p50 %.0f  p90 %.0f  p99 %.0f  p99.9 %.0f  max %.0f\n",
		r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.P999, r.Latency.Max)
}

type posted struct {
	room    string
	created time.Time
}

// RunE2E posts cfg.Count messages at cfg.Rate and waits for the replies.
func RunE2E(ctx context.Context, cfg E2EConfig) (E2EResult, error) {
	if err := cfg.Validate(); err != nil {
		return E2EResult{}, err
	}
	cfg = cfg.withDefaults()
	sim := simClient{base: strings.TrimSuffix(strings.TrimRight(cfg.SimURL, "/"), "/v1"), http: &http.Client{Timeout: 10 * time.Second}}
	defer sim.http.CloseIdleConnections()
	d := newDeliveries(1)
	marker := regexp.MustCompile(`bench-` + d.run + `-(\d+)\.`)

	start := time.Now()
	var (
		mu    sync.Mutex // guards sent and res.PostErrors
		sent  = map[int]posted{}
		res   = E2EResult{Errors: map[string]int{}}
		wg    sync.WaitGroup
		slots = make(chan struct{}, 16)
	)
	interval := time.Second / time.Duration(cfg.Rate)
	for n := 0; n < cfg.Count && ctx.Err() == nil; n++ {
		if wait := time.Until(start.Add(time.Duration(n) * interval)); wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			email := fmt.Sprintf("bench-user-%d@example.com", n%cfg.Users)
			m, err := sim.post(ctx, email, fmt.Sprintf("bench-%s-%d. hello from user %d", d.run, n, n%cfg.Users))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.PostErrors++
				res.Errors[errorKind(err)]++
				return
			}
			sent[n] = posted{room: m.RoomID, created: parseTime(m.Created)}
		})
	}
	wg.Wait()
	res.Posted = len(sent)

	rooms := map[string]bool{}
	for _, p := range sent {
		rooms[p.room] = true
	}
	deadline := time.Now().Add(cfg.Wait)
	var replies map[int][]time.Time
	for {
		replies = map[int][]time.Time{}
		for room := range rooms {
			msgs, err := sim.room(ctx, room)
			if err != nil {
				res.Errors["poll"]++
				continue
			}
			for _, m := range msgs {
				if strings.HasPrefix(m.PersonEmail, "bench-user-") {
					continue
				}
				if g := marker.FindStringSubmatch(m.Markdown + "\n" + m.Text); g != nil {
					n, _ := strconv.Atoi(g[1])
					replies[n] = append(replies[n], parseTime(m.Created))
				}
			}
		}
		if len(replies) >= len(sent) || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
	var lat []time.Duration
	for n, p := range sent {
		rs := replies[n]
		if len(rs) == 0 {
			res.Missing++
			continue
		}
		res.Replied++
		res.Duplicates += len(rs) - 1
		lat = append(lat, rs[0].Sub(p.created))
	}
	res.Latency = percentiles(lat)
	res.Elapsed = time.Since(start).Seconds()
	return res, nil
}

// errorKind names a failed call for the errors tally: its status, or
// "transport".
func errorKind(err error) string {
	var se *statusError
	if errors.As(err, &se) {
		return se.op + " " + strconv.Itoa(se.code)
	}
	return "transport"
}

type statusError struct {
	op   string
	code int
	body string
}

func (e *statusError) Error() string { return fmt.Sprintf("%s: status %d: %s", e.op, e.code, e.body) }

func parseTime(s string) time.Time {
	t, _ := time.Parse("2006-01-02T15:04:05.000Z", s)
	return t
}

// simClient speaks the emulator's control API.
type simClient struct {
	base string
	http *http.Client
}

type simMessage struct {
	ID          string `json:"id"`
	RoomID      string `json:"roomId"`
	PersonEmail string `json:"personEmail"`
	Text        string `json:"text"`
	Markdown    string `json:"markdown"`
	Created     string `json:"created"`
}

func (c simClient) post(ctx context.Context, email, text string) (simMessage, error) {
	body, _ := json.Marshal(map[string]string{"personEmail": email, "text": text})
	var m simMessage
	return m, c.do(ctx, http.MethodPost, "/_sim/messages", body, &m)
}

func (c simClient) room(ctx context.Context, id string) ([]simMessage, error) {
	var page struct {
		Items []simMessage `json:"items"`
	}
	return page.Items, c.do(ctx, http.MethodGet, "/_sim/rooms/"+url.PathEscape(id)+"/messages", nil, &page)
}

func (c simClient) do(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &statusError{op: method + " " + strings.SplitN(strings.TrimPrefix(path, "/_sim/"), "/", 2)[0], code: resp.StatusCode, body: string(b[:min(len(b), 200)])}
	}
	return json.Unmarshal(b, out)
}
