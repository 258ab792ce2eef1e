package emulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// Defaults applied by New.
const (
	DefaultToken           = "emulator-token"
	DefaultBotEmail        = "bot@webex.bot"
	DefaultBotName         = "Echo Bot"
	DefaultUserEmail       = "user@example.com"
	DefaultDeliveryTimeout = 10 * time.Second
)

// maxConcurrentDeliveries bounds webhook deliveries in flight; the rest wait.
const maxConcurrentDeliveries = 64

// shutdownGrace bounds how long Close waits for API requests to finish.
// After it the remaining connections are closed: net/http waits up to five
// seconds for a connection that was accepted but has not sent a request (a
// client's spare dial), and an emulator has nothing worth waiting for there.
const shutdownGrace = time.Second

// Options configure a Server. The zero value is usable.
type Options struct {
	// Bot is the identity behind the token: the first bot, the one the
	// emulator serves when Bots is empty. Empty fields get defaults: a
	// fresh ID, Emails [DefaultBotEmail], DisplayName DefaultBotName, Type
	// "bot", and an org and creation time.
	Bot webex.Person
	// Token is the bearer token of the first bot; empty means
	// DefaultToken. Requests with none of the bots' tokens get 401 with a
	// Webex error body.
	Token string
	// BotID is the short id of the first bot; empty means DefaultBotID.
	BotID string
	// Bots are more bots, each with a token of its own; all bots share
	// one org. See Validate for what New refuses.
	Bots []BotSpec
	// Logger receives the emulator's log; nil discards it.
	Logger *slog.Logger
	// DeliveryTimeout bounds one webhook delivery; zero means
	// DefaultDeliveryTimeout.
	DeliveryTimeout time.Duration
	// HTTPClient sends webhook deliveries; nil means a client of the
	// emulator's own, which does not follow redirects (a 3xx is a failed
	// delivery).
	HTTPClient *http.Client
	// Now is the clock for timestamps and the failure window; nil means
	// time.Now.
	Now func() time.Time
	// Pace adds latency and per-token rate limits to the API (see Pace);
	// the zero value adds neither.
	Pace Pace
}

// Server is the emulator. Create it with New (or NewTest), then Start it or
// mount Handler on a server of your own. It is safe for concurrent use.
type Server struct {
	bots            []*bot // the first (Options.Bot) first; never changed after New
	byID            map[string]*bot
	byToken         map[string]*bot
	byPerson        map[string]*bot
	log             *slog.Logger
	now             func() time.Time
	deliveryTimeout time.Duration
	client          *http.Client
	ownClient       bool
	handler         http.Handler

	sem  chan struct{}  // one slot per delivery in flight
	wg   sync.WaitGroup // deliveries in flight; Close waits for them
	done chan struct{}  // closed by Close: ends fault delays

	closeOnce sync.Once
	closeErr  error

	lifeMu    sync.Mutex // guards srv, url and serveDone
	srv       *http.Server
	url       string
	serveDone chan struct{}

	mu sync.Mutex // guards st: all emulated state, records and faults
	st state

	// Set by Load only. saved is the st.changes last written; only one
	// save runs at a time (see save).
	stateFile string
	saveDone  chan struct{} // closed when saveLoop ends
	saved     uint64
}

// New returns an emulator that is not listening yet. It panics when
// opts.Validate fails: a caller's mistake, which commands check first.
func New(opts Options) *Server { return newServer(opts, nil) }

// newServer is New with the bots' persons saved in a state file, by short
// id.
func newServer(opts Options, saved map[string]webex.Person) *Server {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	s := &Server{
		log:             opts.Logger,
		now:             opts.Now,
		deliveryTimeout: opts.DeliveryTimeout,
		client:          opts.HTTPClient,
		sem:             make(chan struct{}, maxConcurrentDeliveries),
		done:            make(chan struct{}),
		st: state{
			people:   map[string]*webex.Person{},
			byEmail:  map[string]string{},
			rooms:    map[string]*room{},
			direct:   map[directKey]string{},
			messages: map[string]*message{},
			actions:  map[string]*webex.AttachmentAction{},
			webhooks: map[string]*webhook{},
		},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.deliveryTimeout <= 0 {
		s.deliveryTimeout = DefaultDeliveryTimeout
	}
	if s.client == nil {
		s.ownClient = true
		s.client = &http.Client{
			Transport: newTransport(),
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}

	s.newBots(opts, newID("ORGANIZATION"), saved)

	s.handler = newPacer(opts.Pace, s.now, s.done).wrap(s.routes())
	return s
}

// NewTest starts an emulator on a random loopback port and closes it when
// the test ends.
func NewTest(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := New(opts)
	if err := s.Start("127.0.0.1:0"); err != nil {
		tb.Fatalf("emulator: start: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("emulator: close: %v", err)
		}
	})
	return s
}

// Handler serves the API under /v1 and the control API under /_sim. Use it
// to mount the emulator on a server of your own instead of Start.
func (s *Server) Handler() http.Handler { return s.handler }

// Start listens on addr (e.g. "127.0.0.1:8090", or ":0" for any port) and
// serves in the background until Close. It fails when the address is taken
// or the server was started or closed before.
func (s *Server) Start(addr string) error {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	select {
	case <-s.done:
		return errors.New("emulator: start: server is closed")
	default:
	}
	if s.srv != nil {
		return errors.New("emulator: start: already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("emulator: start: %w", err)
	}
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.url = "http://" + dialable(ln.Addr()) + "/v1"
	s.serveDone = make(chan struct{})
	go func(srv *http.Server, done chan struct{}) {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("emulator: serve", "err", err)
		}
	}(s.srv, s.serveDone)
	s.log.Info("webex emulator listening", "url", s.url)
	return nil
}

// maxIdlePerHost is how many idle connections to one host are kept.
const maxIdlePerHost = 64

// newTransport is a transport of the emulator's own, with the standard
// settings, so that Close can drop its idle connections.
func newTransport() http.RoundTripper {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		t = t.Clone()
		// Deliveries mostly go to one host, ingest. The standard pool
		// keeps 2 idle connections per host, so with more deliveries in
		// flight most would dial a connection and close it after one.
		t.MaxIdleConnsPerHost = maxIdlePerHost
		return t
	}
	return http.DefaultTransport
}

// dialable turns a listener address into one a client can dial: a wildcard
// host becomes loopback.
func dialable(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
}

// URL is the API root, e.g. http://127.0.0.1:8090/v1; empty before Start.
func (s *Server) URL() string {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	return s.url
}

// Close stops serving (requests held by a fault's delay are answered 503),
// then waits for the webhook deliveries in flight, each bounded by
// DeliveryTimeout, and, for a server made by Load, writes its state file a
// last time (the error is that write's). No delivery starts after Close
// began. It is safe to call
// more than once; later calls return the first result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		s.mu.Lock()
		s.st.closing = true
		s.mu.Unlock()

		s.lifeMu.Lock()
		srv, served := s.srv, s.serveDone
		s.lifeMu.Unlock()
		if srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			if err := srv.Shutdown(ctx); err != nil {
				_ = srv.Close()
			}
			cancel()
			<-served
		}
		s.wg.Wait()
		if s.ownClient {
			s.client.CloseIdleConnections()
		}
		if s.stateFile != "" {
			<-s.saveDone
			s.closeErr = s.save()
		}
	})
	return s.closeErr
}

// Bot is the first bot's identity (Options.Bot); see Bots for all of them.
func (s *Server) Bot() webex.Person { return clonePerson(&s.bots[0].person) }

// Token is the first bot's bearer token; see Bots for all of them.
func (s *Server) Token() string { return s.bots[0].token }
