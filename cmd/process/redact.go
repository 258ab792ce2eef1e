package process

import (
	"net/url"
	"strings"
)

// redacted replaces a credential in a NATS URL.
const redacted = "xxxxx"

// RedactURL hides the credentials of every URL in a comma-separated NATS
// URL list, for logs and errors: the password of user:password@, and the
// whole user part when there is no password, since nats://TOKEN@host puts
// the token there. URLs without a scheme (user:pass@host:4222, which
// nats.go accepts) and URLs that do not parse are redacted too: anything
// before the last @ of the authority is hidden.
func RedactURL(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		parts[i] = redactOne(strings.TrimSpace(p))
	}
	return strings.Join(parts, ",")
}

func redactOne(raw string) string {
	scheme, rest, hasScheme := strings.Cut(raw, "://")
	if !hasScheme {
		scheme, rest = "", raw
	}
	// The authority ends at the first /, ? or #; an @ after that belongs
	// to the path and hides nothing.
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return raw
	}
	user := rest[:at]
	if name, _, hasPassword := strings.Cut(user, ":"); hasPassword {
		user = name + ":" + redacted
	} else {
		user = redacted
	}
	out := user + "@" + rest[at+1:]
	if hasScheme {
		out = scheme + "://" + out
	}
	return out
}

// urlSecrets are the credentials written in a NATS URL list, as written
// and unescaped, so an error quoting any of them can be cleaned.
func urlSecrets(urls string) []string {
	var out []string
	for _, p := range strings.Split(urls, ",") {
		_, rest, ok := strings.Cut(strings.TrimSpace(p), "://")
		if !ok {
			rest = strings.TrimSpace(p)
		}
		if end := strings.IndexAny(rest, "/?#"); end >= 0 {
			rest = rest[:end]
		}
		at := strings.LastIndex(rest, "@")
		if at < 0 {
			continue
		}
		user := rest[:at]
		secret := user
		if _, pw, ok := strings.Cut(user, ":"); ok {
			secret = pw
		}
		if secret == "" {
			continue
		}
		out = append(out, user, secret)
		if u, err := url.PathUnescape(secret); err == nil && u != secret {
			out = append(out, u)
		}
	}
	return out
}

// redactError returns err with every credential of urls hidden from its
// message. It still unwraps to err, so errors.Is works (nats.ErrNoServers
// and the like); only its text changes.
func redactError(err error, urls string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := msg
	for _, s := range urlSecrets(urls) {
		clean = strings.ReplaceAll(clean, s, redacted)
	}
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

// redactedError is an error whose message had credentials removed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
