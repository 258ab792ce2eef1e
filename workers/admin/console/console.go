package console

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/webexpipe/webexpipe/workers/admin/deadletters"
	"github.com/webexpipe/webexpipe/workers/admin/status"
)

//go:embed templates/*.html
var templateFiles embed.FS

// Console serves the operations view. Create it with New; it is safe for
// concurrent use.
type Console struct {
	cfg     Config
	pages   *template.Template
	metrics *metrics
	handler http.Handler
}

// New returns a Console; it fails without Config.JS.
func New(cfg Config) (*Console, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	pages, err := template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, pages: pages, metrics: newMetrics(cfg.Metrics)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", c.overview)
	mux.HandleFunc("GET /status.json", c.statusJSON)
	mux.HandleFunc("GET /dlq/{seq}", c.showDeadLetter)
	mux.HandleFunc("POST /dlq/{seq}/redrive", c.redrive)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c.metrics.requests.WithLabelValues("not_found").Inc()
		http.NotFound(w, r)
	})
	protect := http.NewCrossOriginProtection()
	protect.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.cfg.Logger.Warn("console: cross-origin write refused", "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		c.metrics.refused.WithLabelValues("cross_origin").Inc()
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
	}))
	c.handler = c.authenticate(protect.Handler(securityHeaders(mux)))
	return c, nil
}

// Handler serves the view: / (the overview), /status.json (the same as
// JSON), /dlq/{seq} (one dead letter) and, with Config.Write,
// POST /dlq/{seq}/redrive.
func (c *Console) Handler() http.Handler { return c.handler }

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// Overview is what the overview page shows.
type Overview struct {
	*status.Report
	// Backlogs are the consumers with the age of their oldest unhandled
	// event.
	Backlogs []Backlog `json:"backlogs"`
	// Entries are the oldest dead letters, at most Config.DeadLetters.
	Entries []*deadletters.Entry `json:"entries"`
	Write   bool                 `json:"write"`
	Refresh int                  `json:"-"` // seconds; 0: no reload
}

// WebhooksListed reports whether the webhooks were listed (none is then
// an answer, not an unknown).
func (o *Overview) WebhooksListed() bool { return o.Webhooks != nil }

// Backlog is a consumer and how old its oldest unhandled event is.
type Backlog struct {
	status.Consumer
	// Oldest is when the oldest event not yet handled was stored; zero
	// when nothing waits (or it could not be read: see Report.Errors).
	Oldest time.Time `json:"oldest,omitzero"`
	// Age is how long it has waited, in seconds.
	Age float64 `json:"age_seconds"`
}

// collect gathers the overview. Like status.Collect it notes what it could
// not read and goes on.
func (c *Console) collect(ctx context.Context) (*Overview, error) {
	r, err := status.Collect(ctx, c.cfg.JS, status.Options{Webhooks: c.cfg.Webhooks, Now: c.cfg.Now, Sharding: c.cfg.Sharding})
	if err != nil {
		return nil, err
	}
	o := &Overview{Report: r, Write: c.cfg.Write}
	now := c.cfg.Now()
	for _, cons := range r.Consumers {
		b := Backlog{Consumer: cons}
		oldest, err := oldestUnacked(ctx, c.cfg.JS, cons)
		if err != nil {
			r.Errors = append(r.Errors, "oldest event of "+cons.Name+": "+err.Error())
		} else if !oldest.IsZero() {
			b.Oldest, b.Age = oldest, now.Sub(oldest).Seconds()
		}
		o.Backlogs = append(o.Backlogs, b)
	}
	entries, err := deadletters.List(ctx, c.cfg.JS, deadletters.Filter{Limit: c.cfg.DeadLetters})
	if err != nil {
		r.Errors = append(r.Errors, "dead letters: "+err.Error())
	}
	o.Entries = entries
	return o, ctx.Err()
}

func (c *Console) overview(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), c.cfg.Timeout)
	defer cancel()
	o, err := c.collect(ctx)
	if err != nil {
		c.fail(w, "the state could not be read in time", err)
		return
	}
	if c.cfg.Refresh > 0 && r.URL.Query().Get("refresh") != "off" {
		o.Refresh = max(1, int(c.cfg.Refresh.Seconds()))
	}
	c.metrics.requests.WithLabelValues("page").Inc()
	c.render(w, "overview.html", o)
}

func (c *Console) statusJSON(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), c.cfg.Timeout)
	defer cancel()
	o, err := c.collect(ctx)
	if err != nil {
		c.fail(w, "the state could not be read in time", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	c.metrics.requests.WithLabelValues("page").Inc()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(o)
}

// DeadLetter is what the page of one dead letter shows.
type DeadLetter struct {
	*deadletters.Entry
	Write    bool
	Redriven *deadletters.Redriven
	// Up leads back to the overview from the page's path.
	Up string
}

func (c *Console) showDeadLetter(w http.ResponseWriter, r *http.Request) {
	e, ok := c.entry(w, r)
	if !ok {
		return
	}
	c.metrics.requests.WithLabelValues("dead_letter").Inc()
	c.render(w, "deadletter.html", DeadLetter{Entry: e, Write: c.cfg.Write, Up: "../"})
}

// redrive sends a dead letter back (deadletters.Redrive), only with
// Config.Write. The form's force box sets RedriveOptions.Force.
func (c *Console) redrive(w http.ResponseWriter, r *http.Request) {
	if !c.cfg.Write {
		c.cfg.Logger.Warn("console: redrive refused: the view is read-only", "path", r.URL.Path)
		c.metrics.refused.WithLabelValues("read_only").Inc()
		http.Error(w, "the console is read-only: start it with write access to redrive", http.StatusForbidden)
		return
	}
	e, ok := c.entry(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), c.cfg.Timeout)
	defer cancel()
	res, err := deadletters.Redrive(ctx, c.cfg.JS, e, deadletters.RedriveOptions{Force: r.FormValue("force") == "on", Sharding: c.cfg.Sharding})
	if err != nil {
		c.fail(w, "the redrive failed", err)
		return
	}
	c.cfg.Logger.Info("console: dead letter redriven", "seq", res.Seq, "kind", res.Kind, "subject", res.Subject, "deleted", res.Deleted)
	c.metrics.requests.WithLabelValues("redriven").Inc()
	c.render(w, "deadletter.html", DeadLetter{Entry: e, Redriven: &res, Up: "../../"})
}

// entry reads the dead letter the path names, or answers why not.
func (c *Console) entry(w http.ResponseWriter, r *http.Request) (*deadletters.Entry, bool) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil || seq == 0 {
		c.cfg.Logger.Warn("console: not a dead-letter sequence", "path", r.URL.Path)
		c.metrics.refused.WithLabelValues("bad_request").Inc()
		http.Error(w, "a dead letter is named by its sequence, a positive number", http.StatusBadRequest)
		return nil, false
	}
	ctx, cancel := context.WithTimeout(r.Context(), c.cfg.Timeout)
	defer cancel()
	e, err := deadletters.Get(ctx, c.cfg.JS, seq)
	if errors.Is(err, deadletters.ErrNotFound) {
		c.metrics.requests.WithLabelValues("not_found").Inc()
		http.Error(w, "no dead letter has sequence "+strconv.FormatUint(seq, 10), http.StatusNotFound)
		return nil, false
	}
	if err != nil {
		c.fail(w, "the dead letter could not be read", err)
		return nil, false
	}
	return e, true
}

func (c *Console) render(w http.ResponseWriter, page string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := c.pages.ExecuteTemplate(w, page, data); err != nil {
		c.cfg.Logger.Error("console: render", "page", page, "err", err)
		c.metrics.requests.WithLabelValues("error").Inc()
	}
}

func (c *Console) fail(w http.ResponseWriter, what string, err error) {
	c.cfg.Logger.Error("console: "+what, "err", err)
	c.metrics.requests.WithLabelValues("error").Inc()
	http.Error(w, what+": "+err.Error(), http.StatusServiceUnavailable)
}
