package webex

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxPages bounds how many pages one list call follows, so a server that
// keeps sending next links cannot hold a caller forever.
const maxPages = 1000

// page is the body of every Webex list: {"items": [...]}.
type page[T any] struct {
	Items []T `json:"items"`
}

// list fetches first and then follows rel="next" links until there is no
// next page or limit items were collected (limit <= 0: no limit). It
// returns at most limit items.
func list[T any](ctx context.Context, c *Client, first request, limit int) ([]T, error) {
	var all []T
	rq := first
	seen := map[string]bool{}
	for n := 0; ; n++ {
		var p page[T]
		rq.out = &p
		hdr, err := c.do(ctx, rq)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Items...)
		if limit > 0 && len(all) >= limit {
			return all[:limit], nil
		}
		next, err := c.nextPage(hdr, c.endpoint(rq))
		if err != nil {
			return nil, fmt.Errorf("webex: %s %s: %w", rq.method, c.relPath(c.endpoint(rq)), err)
		}
		if next == nil || len(p.Items) == 0 {
			return all, nil
		}
		if seen[next.String()] || n+1 >= maxPages {
			return nil, fmt.Errorf("webex: %s %s: %w: paging does not end", rq.method, c.relPath(c.endpoint(rq)), ErrUnexpectedResponse)
		}
		seen[next.String()] = true
		rq = request{method: first.method, next: next, secrets: first.secrets}
	}
}

// nextPage returns the rel="next" target of the Link headers in h, resolved
// against the URL that was fetched, or nil when there is none. A link to
// another scheme or host is refused: following it would send the token there.
func (c *Client) nextPage(h http.Header, fetched *url.URL) (*url.URL, error) {
	for _, v := range h.Values("Link") {
		ref, ok := nextLink(v)
		if !ok {
			continue
		}
		u, err := fetched.Parse(ref)
		if err != nil {
			return nil, fmt.Errorf("%w: unreadable next link", ErrUnexpectedResponse)
		}
		if u.Scheme != c.base.Scheme || u.Host != c.base.Host {
			return nil, fmt.Errorf("%w: next link points to another host", ErrUnexpectedResponse)
		}
		return u, nil
	}
	return nil, nil
}

// nextLink finds the target of rel="next" in one Link header value
// (RFC 8288): `<url>; rel="next", <url>; rel="prev"`.
func nextLink(v string) (string, bool) {
	for {
		start := strings.IndexByte(v, '<')
		if start < 0 {
			return "", false
		}
		end := strings.IndexByte(v[start:], '>')
		if end < 0 {
			return "", false
		}
		target := v[start+1 : start+end]
		rest := v[start+end+1:]
		// The parameters of this link run to the next '<' (a URL cannot
		// contain one unescaped).
		params := rest
		if i := strings.IndexByte(rest, '<'); i >= 0 {
			params = rest[:i]
		}
		for _, p := range strings.Split(params, ";") {
			name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
				continue
			}
			val = strings.Trim(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(val), ",")), `"`)
			for _, rel := range strings.Fields(val) {
				if strings.EqualFold(rel, "next") {
					return target, true
				}
			}
		}
		v = rest
	}
}
