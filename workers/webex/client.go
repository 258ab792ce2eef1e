package webex

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultBaseURL is the Webex REST API.
const DefaultBaseURL = "https://webexapis.com/v1"

// Defaults applied by New.
const (
	DefaultTimeout   = 30 * time.Second
	DefaultUserAgent = "webexpipe"
)

// Response size limits. A success body larger than maxResponseBytes is an
// error rather than silently truncated JSON; an error body is only read far
// enough to find its message.
const (
	maxResponseBytes = 8 << 20
	maxErrorBytes    = 64 << 10
)

// Config configures a Client.
type Config struct {
	// BaseURL is the API root; empty means DefaultBaseURL. The bot token is
	// sent only to this scheme and host.
	BaseURL string
	// Token is the bot's access token, sent as a bearer token. Required.
	Token string
	// Timeout bounds each HTTP request (each page of a list counts as one);
	// zero means DefaultTimeout. The caller's context can only shorten it.
	Timeout time.Duration
	// HTTPClient sends the requests; nil means a client of the package's own
	// with no overall timeout (Timeout applies through the context) that
	// does not follow redirects.
	HTTPClient *http.Client
	// UserAgent is sent with every request; empty means DefaultUserAgent.
	UserAgent string
}

// String shows the configuration with the token (and any password in the
// base URL) masked.
func (c Config) String() string {
	return fmt.Sprintf("webex.Config{BaseURL: %q, Token: %s, Timeout: %s, UserAgent: %q}",
		redactURL(c.BaseURL), maskSecret(c.Token), c.Timeout, c.UserAgent)
}

// GoString is String, so that %#v does not print the token either.
func (c Config) GoString() string { return c.String() }

// LogValue logs the configuration with the token masked.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", redactURL(c.BaseURL)),
		slog.String("token", maskSecret(c.Token)),
		slog.Duration("timeout", c.Timeout),
		slog.String("user_agent", c.UserAgent),
	)
}

// Client calls the Webex REST API with one bot token. It is safe for
// concurrent use and holds no per-call state.
type Client struct {
	base      *url.URL // scheme, host and path prefix, without a trailing slash
	token     string
	timeout   time.Duration
	http      *http.Client
	userAgent string
}

// New returns a Client for cfg. It fails, wrapping ErrInvalidConfig, when
// the token is empty, the base URL is not an absolute http(s) URL or the
// timeout is negative. It sends nothing.
func New(cfg Config) (*Client, error) {
	if cfg.Token == "" {
		return nil, fmt.Errorf("%w: token is empty", ErrInvalidConfig)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: negative timeout %s", ErrInvalidConfig, cfg.Timeout)
	}
	raw := cfg.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	// The URL is not quoted in these errors: whatever was put there by
	// mistake (a token, a password) stays out of logs.
	base, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		return nil, fmt.Errorf("%w: base URL cannot be parsed", ErrInvalidConfig)
	}
	if (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("%w: base URL must be an absolute http or https URL", ErrInvalidConfig)
	}
	if base.User != nil || base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("%w: base URL must not have user info, a query or a fragment", ErrInvalidConfig)
	}
	c := &Client{
		base:      base,
		token:     cfg.Token,
		timeout:   cfg.Timeout,
		http:      cfg.HTTPClient,
		userAgent: cfg.UserAgent,
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.http == nil {
		c.http = &http.Client{
			Transport: newTransport(),
			// Webex's API does not redirect. A redirect is reported as an
			// APIError rather than followed, so that a POST is never
			// silently replayed as a GET.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return c, nil
}

// String names the API the client talks to, never its token.
func (c *Client) String() string { return "webex.Client(" + c.base.String() + ")" }

// GoString is String, so that %#v does not print the token either.
func (c *Client) GoString() string { return c.String() }

// request is one HTTP exchange with Webex.
type request struct {
	method string
	// path is relative to the base URL, already escaped, e.g.
	// "/messages/" + url.PathEscape(id).
	path  string
	query url.Values
	// next, when set, is an absolute URL taken from a Link header; it
	// replaces path and query.
	next *url.URL
	// body is encoded as JSON when not nil.
	body any
	// out receives the decoded JSON of a 2xx answer when not nil.
	out any
	// secrets are redacted from error messages besides the token, e.g. a
	// webhook secret being set.
	secrets []string
}

// do sends rq once and returns the response headers of a 2xx answer. Every
// failure is an *APIError, a *TransportError or wraps ErrUnexpectedResponse.
func (c *Client) do(ctx context.Context, rq request) (http.Header, error) {
	u := c.endpoint(rq)
	path := c.relPath(u)

	var body io.Reader
	if rq.body != nil {
		b, err := json.Marshal(rq.body)
		if err != nil {
			return nil, fmt.Errorf("webex: %s %s: encode request: %w", rq.method, path, err)
		}
		body = bytes.NewReader(b)
	}

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// Once the request headers are on the wire Webex may act on the
	// request, even if no answer ever comes back.
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaders: func() { wrote.Store(true) },
	})

	req, err := http.NewRequestWithContext(ctx, rq.method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("webex: %s %s: build request: %w", rq.method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(rq.method, path, err, wrote.Load())
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBytes))
		secrets := append([]string{c.token}, rq.secrets...)
		return nil, newAPIError(rq.method, path, resp, b, secrets)
	}

	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		// The status arrived, the body did not: for a POST the effect
		// happened but its result (the new id) is lost.
		return nil, c.transportError(rq.method, path, err, true)
	}
	if len(b) > maxResponseBytes {
		return nil, fmt.Errorf("webex: %s %s: %w: body larger than %d bytes", rq.method, path, ErrUnexpectedResponse, maxResponseBytes)
	}
	if rq.out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.Unmarshal(b, rq.out); err != nil {
			return nil, fmt.Errorf("webex: %s %s: %w: %d %s with a body that is not the expected JSON",
				rq.method, path, ErrUnexpectedResponse, resp.StatusCode, http.StatusText(resp.StatusCode))
		}
	}
	return resp.Header, nil
}

// endpoint is the absolute URL of rq.
func (c *Client) endpoint(rq request) *url.URL {
	if rq.next != nil {
		return rq.next
	}
	u := *c.base
	u.Path = c.base.Path + mustUnescape(rq.path)
	u.RawPath = c.base.EscapedPath() + rq.path
	if len(rq.query) > 0 {
		u.RawQuery = rq.query.Encode()
	}
	return &u
}

// relPath is u's path relative to the base URL, as errors show it.
func (c *Client) relPath(u *url.URL) string {
	p := u.EscapedPath()
	if rest, ok := strings.CutPrefix(p, c.base.EscapedPath()); ok && strings.HasPrefix(rest, "/") {
		return rest
	}
	return p
}

// transportError wraps a failure to get an answer. For a request that is not
// idempotent, the outcome is unknown once the request may have been sent.
func (c *Client) transportError(method, path string, err error, sent bool) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its text repeats the method and the whole URL
	}
	return &TransportError{
		Method:         method,
		Path:           path,
		Err:            err,
		OutcomeUnknown: sent && !idempotent(method),
	}
}

// idempotent reports whether repeating a request with method cannot add a
// second effect.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// mustUnescape undoes url.PathEscape for paths built inside this package,
// which are always valid.
func mustUnescape(p string) string {
	s, err := url.PathUnescape(p)
	if err != nil {
		return p
	}
	return s
}

// pathID escapes one id as a path segment: ids are opaque and must never
// change the path.
func pathID(id string) string { return url.PathEscape(id) }

// maxIdlePerHost is how many idle connections to one host are kept.
const maxIdlePerHost = 64

// newTransport is a transport of the client's own, with the standard
// settings, so that its connection pool is not shared.
func newTransport() http.RoundTripper {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		t = t.Clone()
		// Every call goes to one host. The standard pool keeps 2 idle
		// connections per host, so with more calls in flight most would
		// dial a new connection and close it after one request.
		t.MaxIdleConnsPerHost = maxIdlePerHost
		return t
	}
	return http.DefaultTransport
}

// redactURL hides a password in a URL; text that is not a URL is shown as
// unreadable rather than quoted.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// maskSecret shows whether a secret is set without showing it.
func maskSecret(s string) string {
	if s == "" {
		return `""`
	}
	return "[redacted]"
}
