package console

import (
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strings"
)

// ErrExposed is returned by CheckExposure for an address beyond loopback
// without a token.
var ErrExposed = errors.New("console: an address beyond loopback needs a token")

// CheckExposure refuses to serve on addr without a token unless addr is a
// loopback address. An empty host (":8070") listens everywhere, so it
// needs a token too.
func CheckExposure(addr string, hasToken bool) error {
	if hasToken {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return ErrExposed
}

// authenticate lets through requests carrying the token (any, when there
// is none); others get 401 with a basic-authentication challenge.
func (c *Console) authenticate(next http.Handler) http.Handler {
	if len(c.cfg.Token) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.tokenOK(r) {
			next.ServeHTTP(w, r)
			return
		}
		c.cfg.Logger.Warn("console: request without a valid token", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
		c.metrics.refused.WithLabelValues("unauthorized").Inc()
		w.Header().Set("WWW-Authenticate", `Basic realm="webexpipe console", charset="UTF-8"`)
		http.Error(w, "a token is required (bearer, or as the password)", http.StatusUnauthorized)
	})
}

func (c *Console) tokenOK(r *http.Request) bool {
	var given string
	if _, pass, ok := r.BasicAuth(); ok {
		given = pass
	} else if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		given = v
	} else {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(given), c.cfg.Token) == 1
}
