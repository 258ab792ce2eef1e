package bots

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/webexpipe/webexpipe/events"
)

// Options say how a registry file's references are resolved.
type Options struct {
	// LookupEnv reads the variables named by token_env and secret_env
	// (os.LookupEnv in a binary). Nil: no variable is set.
	LookupEnv func(string) (string, bool)
	// Dir is where relative token_file and secret_file paths start.
	// LoadFile sets it to the registry file's directory; "" is the
	// working directory.
	Dir string
	// ReadFile reads the files named by token_file and secret_file. Nil:
	// os.ReadFile.
	ReadFile func(name string) ([]byte, error)
	// Unsigned allows webhook registrations without a secret, for an
	// ingest that skips the signature check (INSECURE_SKIP_SIGNATURE):
	// development only.
	Unsigned bool
	// SkipTokens leaves every token unread (Bot.Token zero): a process
	// that never calls Webex (ingest) needs no access to the tokens. The
	// file must still name one for every bot.
	SkipTokens bool
	// SkipSecrets leaves every webhook secret unread (Webhook.Secrets
	// empty): a process that verifies no delivery (a worker) needs no
	// access to them. The file must still name them.
	SkipSecrets bool
}

// LoadFile reads, resolves and checks the registry file at path (see
// Parse). Relative paths in it start from the file's directory unless
// o.Dir is set.
func LoadFile(path string, o Options) (*Registry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bot registry: %w", err)
	}
	if o.Dir == "" {
		o.Dir = filepath.Dir(path)
	}
	return Parse(data, o)
}

// Parse reads a registry (YAML or JSON), resolves its secret references
// and checks it. A file that is not a registry is an error wrapping
// ErrFormat, returned alone; otherwise every problem found is returned,
// joined (errors.Join), each a *FieldError.
func Parse(data []byte, o Options) (*Registry, error) {
	f, err := decodeFile(data)
	if err != nil {
		return nil, err
	}
	if len(f.Bots) == 0 {
		return nil, fmt.Errorf("%w: no bots", ErrMissing)
	}
	if len(f.Bots) > MaxBots {
		return nil, fmt.Errorf("%w: %d bots, at most %d (each bot is a label value of the bot metrics)",
			ErrTooManyBots, len(f.Bots), MaxBots)
	}
	l := loader{o: o}
	seen := map[string]int{}
	var bots []*Bot
	for i, fb := range f.Bots {
		b := l.bot(i, fb)
		if b == nil {
			continue
		}
		if first, dup := seen[b.ID]; dup {
			l.fail(i, b.ID, "id", fmt.Errorf("%w: also the id of bots[%d]", ErrDuplicate, first))
			continue
		}
		seen[b.ID] = i
		bots = append(bots, b)
	}
	l.crossCheck(bots, seen)
	if len(l.problems) > 0 {
		return nil, errors.Join(l.problems...)
	}
	return newRegistry(bots), nil
}

// loader resolves one file's bots, collecting every problem.
type loader struct {
	o        Options
	problems []error
}

func (l *loader) fail(index int, bot, field string, err error) {
	l.problems = append(l.problems, &FieldError{Bot: bot, Index: index, Field: field, Err: err})
}

// bot resolves and checks fb, the bot at index; nil when its id is not
// valid (its other problems are still reported, under its index).
func (l *loader) bot(index int, fb fileBot) *Bot {
	id := fb.ID
	fail := func(field string, err error) { l.fail(index, id, field, err) }
	switch {
	case fb.ID == "":
		id = ""
		fail("id", ErrMissing)
	case !ValidID(fb.ID):
		id = ""
		fail("id", fmt.Errorf("%w: want a lowercase letter, then up to 31 lowercase letters, digits or _", ErrBadID))
	}
	b := &Bot{ID: id, TargetURL: fb.TargetURL}
	switch {
	case set(fb.Token):
		fail("token", ErrInlineSecret)
	case fb.TokenFile != "" && fb.TokenEnv != "":
		fail("token_file", fmt.Errorf("%w: give token_file or token_env, not both", ErrConflict))
	case fb.TokenFile != "":
		b.TokenSource = SourceFile
		if !l.o.SkipTokens {
			b.Token = l.readToken(fail, fb.TokenFile)
		}
	case fb.TokenEnv != "":
		b.TokenSource = SourceEnv
		if !l.o.SkipTokens {
			b.Token = l.envToken(fail, fb.TokenEnv)
		}
	default:
		fail("token_file", fmt.Errorf("%w: every bot needs a token: set token_file or token_env", ErrMissing))
	}
	if len(fb.Webhooks) == 0 {
		fail("webhooks", fmt.Errorf("%w: a bot needs at least one webhook registration", ErrMissing))
	}
	for i, fw := range fb.Webhooks {
		b.Webhooks = append(b.Webhooks, l.webhook(func(field string, err error) {
			fail(fmt.Sprintf("webhooks[%d].%s", i, field), err)
		}, fw))
	}
	if fb.MaxPause != "" {
		d, err := time.ParseDuration(fb.MaxPause)
		if err != nil || d <= 0 {
			fail("max_pause", fmt.Errorf("%w: want a positive duration such as 5m", ErrBadValue))
		}
		b.MaxPause = d
	}
	if fb.TargetURL != "" {
		if u, err := url.Parse(fb.TargetURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fail("target_url", fmt.Errorf("%w: want an absolute http or https URL", ErrBadValue))
		} else if u.User != nil {
			fail("target_url", fmt.Errorf("%w: no user or password in the URL", ErrBadValue))
		}
	}
	if id == "" {
		return nil
	}
	return b
}

// webhook resolves and checks one registration.
func (l *loader) webhook(fail func(field string, err error), fw fileWebhook) Webhook {
	w := Webhook{ID: fw.ID}
	if fw.ID != "" && !validWebhookID(fw.ID) {
		w.ID = ""
		fail("id", fmt.Errorf("%w: a Webex webhook id is up to %d letters, digits, '-', '_' or '='", ErrBadID, maxWebhookIDBytes))
	}
	// Both references may be given: their secrets add up, as
	// WEBEX_WEBHOOK_SECRET's and WEBEX_WEBHOOK_SECRET_FILE's do.
	if fw.SecretFile != "" && !l.o.SkipSecrets {
		w.Secrets = append(w.Secrets, l.readSecrets(fail, fw.SecretFile)...)
	}
	if fw.SecretEnv != "" && !l.o.SkipSecrets {
		w.Secrets = append(w.Secrets, l.envSecrets(fail, fw.SecretEnv)...)
	}
	switch {
	case set(fw.Secret):
		fail("secret", ErrInlineSecret)
	case set(fw.Secrets):
		fail("secrets", ErrInlineSecret)
	case fw.SecretFile == "" && fw.SecretEnv == "" && !l.o.Unsigned:
		fail("secret_file", fmt.Errorf("%w: every webhook registration needs a secret: set secret_file or secret_env", ErrMissing))
	}
	res, err := parseResources(fw.Resources)
	if err != nil {
		fail("resources", err)
	}
	if fw.ID != "" && len(res) > 1 {
		fail("resources", fmt.Errorf("%w: a webhook with an id is one Webex webhook, which delivers one resource/event", ErrBadValue))
	}
	w.Resources = res
	return w
}

// parseResources reads resource/event pairs with the parser of
// WEBHOOK_RESOURCES, refusing one given twice.
func parseResources(items []string) ([]events.ResourceEvent, error) {
	res, err := events.ParseResourceEvents(items)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadValue, err)
	}
	for i, re := range res {
		if slices.Contains(res[:i], re) {
			return nil, fmt.Errorf("%w: %s/%s", ErrDuplicate, re.Resource, re.Event)
		}
	}
	return res, nil
}

// maxWebhookIDBytes bounds a webhook id; Webex's are about 80 characters.
const maxWebhookIDBytes = 256

// validWebhookID reports whether id looks like a Webex webhook id: base64
// (URL-safe or not) without whitespace or separators.
func validWebhookID(id string) bool {
	if len(id) > maxWebhookIDBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '=' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

// readFile reads a referenced file; a relative path starts from the
// registry's directory.
func (l *loader) readFile(p string) ([]byte, error) {
	if !filepath.IsAbs(p) && l.o.Dir != "" {
		p = filepath.Join(l.o.Dir, p)
	}
	if l.o.ReadFile == nil {
		return os.ReadFile(p)
	}
	return l.o.ReadFile(p)
}

// readToken reads a token file, trimmed as WEBEX_TOKEN_FILE is.
func (l *loader) readToken(fail func(string, error), p string) Secret {
	b, err := l.readFile(p)
	if err != nil {
		fail("token_file", fmt.Errorf("%w: %w", ErrSecretRef, err))
		return Secret{}
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		fail("token_file", fmt.Errorf("%w: %s is empty", ErrSecretRef, p))
	}
	return NewSecret(s)
}

// envToken reads a token variable.
func (l *loader) envToken(fail func(string, error), name string) Secret {
	v, ok := l.lookup(name)
	v = strings.TrimSpace(v)
	switch {
	case !ok:
		fail("token_env", fmt.Errorf("%w: %s is not set", ErrSecretRef, name))
	case v == "":
		fail("token_env", fmt.Errorf("%w: %s is empty", ErrSecretRef, name))
	}
	return NewSecret(v)
}

// readSecrets reads a secret file, one secret a line, as
// WEBEX_WEBHOOK_SECRET_FILE is read.
func (l *loader) readSecrets(fail func(string, error), p string) []Secret {
	b, err := l.readFile(p)
	if err != nil {
		fail("secret_file", fmt.Errorf("%w: %w", ErrSecretRef, err))
		return nil
	}
	out := splitSecrets(string(b), "\n")
	if len(out) == 0 {
		fail("secret_file", fmt.Errorf("%w: %s holds no secret", ErrSecretRef, p))
	}
	return out
}

// envSecrets reads a secret variable, comma-separated as
// WEBEX_WEBHOOK_SECRET is.
func (l *loader) envSecrets(fail func(string, error), name string) []Secret {
	v, ok := l.lookup(name)
	out := splitSecrets(v, ",")
	switch {
	case !ok:
		fail("secret_env", fmt.Errorf("%w: %s is not set", ErrSecretRef, name))
	case len(out) == 0:
		fail("secret_env", fmt.Errorf("%w: %s holds no secret", ErrSecretRef, name))
	}
	return out
}

func (l *loader) lookup(name string) (string, bool) {
	if l.o.LookupEnv == nil {
		return "", false
	}
	return l.o.LookupEnv(name)
}

// splitSecrets splits s at sep, trimming and dropping empty parts.
func splitSecrets(s, sep string) []Secret {
	var out []Secret
	for _, part := range strings.Split(s, sep) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, NewSecret(part))
		}
	}
	return out
}

// crossCheck reports what no single bot shows: a webhook id registered
// twice, a token two bots share, and a webhook secret two bots share.
// index maps a bot id to its position.
func (l *loader) crossCheck(bots []*Bot, index map[string]int) {
	webhookOwner := map[string]string{}
	secretOwner := map[string]string{} // secret value -> bot id; never printed
	tokenOwner := map[string]string{}  // token -> bot id; never printed
	for _, b := range bots {
		// One token is one Webex bot: two entries with it would answer
		// every message twice and share one rate limit.
		if tok := b.Token.Reveal(); tok != "" {
			if other, taken := tokenOwner[tok]; taken {
				l.fail(index[b.ID], b.ID, "token_"+string(b.TokenSource),
					fmt.Errorf("%w: the token is also bot %s's", ErrSharedSecret, other))
			} else {
				tokenOwner[tok] = b.ID
			}
		}
		mine := map[string]bool{}
		for i, w := range b.Webhooks {
			if w.ID != "" {
				if other, dup := webhookOwner[w.ID]; dup {
					l.fail(index[b.ID], b.ID, fmt.Sprintf("webhooks[%d].id", i),
						fmt.Errorf("%w: webhook %s is also registered by bot %s", ErrDuplicate, w.ID, other))
				} else {
					webhookOwner[w.ID] = b.ID
				}
			}
			for _, s := range w.Secrets {
				v := s.Reveal()
				if mine[v] { // this bot's already, or already reported
					continue
				}
				mine[v] = true
				if other, taken := secretOwner[v]; taken {
					l.fail(index[b.ID], b.ID, fmt.Sprintf("webhooks[%d]", i),
						fmt.Errorf("%w: a secret of this registration is also one of bot %s", ErrSharedSecret, other))
				} else {
					secretOwner[v] = b.ID
				}
			}
		}
	}
}
