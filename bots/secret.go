package bots

import (
	"fmt"
	"log/slog"
)

// redacted is how a Secret prints, logs and marshals.
const redacted = "[redacted]"

// Secret is a token or a webhook secret. Its value is only given by
// Reveal: fmt (every verb), encoding/json, encoding (text) and log/slog all
// see "[redacted]", so a Secret that ends up in a log line, an error or a
// JSON document shows nothing. The value sits behind a pointer so that
// even fmt printing a struct's unexported fields by reflection, where no
// method of Secret is called, shows an address and not the value. The
// zero Secret is no secret.
type Secret struct {
	value *string
}

// NewSecret wraps a value; "" gives the zero Secret.
func NewSecret(value string) Secret {
	if value == "" {
		return Secret{}
	}
	return Secret{value: &value}
}

// Reveal returns the value, for the one place that needs it (an
// Authorization header, an HMAC key). Never log or wrap what it returns.
func (s Secret) Reveal() string {
	if s.value == nil {
		return ""
	}
	return *s.value
}

// IsZero reports whether there is no secret.
func (s Secret) IsZero() bool { return s.value == nil }

// Equal reports whether two secrets hold the same value.
func (s Secret) Equal(o Secret) bool { return s.Reveal() == o.Reveal() }

// String implements fmt.Stringer.
func (Secret) String() string { return redacted }

// GoString implements fmt.GoStringer (%#v).
func (Secret) GoString() string { return "bots.Secret(" + redacted + ")" }

// Format implements fmt.Formatter, so that no verb (%x, %q, %+v...)
// reaches the value.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	fmt.Fprint(f, redacted)
}

// MarshalJSON implements json.Marshaler.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler (YAML, map keys, XML).
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
