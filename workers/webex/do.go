package webex

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Do sends one request given as method, path and JSON body, and decodes a
// 2xx answer into out (when not nil). It is for callers that store a call
// and send it again later, such as the retry worker; everyone else uses the
// typed methods, which validate their input.
//
// path is relative to the base URL, already escaped, without a query, e.g.
// "/messages" or "/messages/" + url.PathEscape(id). A path that could leave
// the API root (no leading "/", "//", a "." or ".." segment, a query or a
// fragment) is refused with ErrInvalidRequest, so a stored call can never
// send the token anywhere else. Errors are those of the typed methods.
func (c *Client) Do(ctx context.Context, method, path string, body json.RawMessage, out any) error {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
	default:
		return fmt.Errorf("%w: method %q", ErrInvalidRequest, method)
	}
	if err := checkRelPath(path); err != nil {
		return err
	}
	rq := request{method: method, path: path, out: out}
	if len(body) > 0 {
		if !json.Valid(body) {
			return fmt.Errorf("%w: %s %s: body is not JSON", ErrInvalidRequest, method, path)
		}
		rq.body = body
	}
	_, err := c.do(ctx, rq)
	return err
}

// checkRelPath refuses a path that is not a plain path below the base URL.
func checkRelPath(p string) error {
	bad := !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#\\") || strings.Contains(p, "//")
	for _, seg := range strings.Split(p, "/") {
		// An escaped "/" inside an id stays escaped on the wire; only dot
		// segments, escaped or not, could climb out of the API root.
		if u := mustUnescape(seg); u == "." || u == ".." {
			bad = true
		}
	}
	if bad {
		return fmt.Errorf("%w: path must be relative to the API root, without a query", ErrInvalidRequest)
	}
	return nil
}
