package process

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// invalidEnv explains why variable name's value v does not fit flag f:
// "PUBLISH_TIMEOUT=5: a duration needs a unit, e.g. 5s (--publish-timeout)".
// The value is shown only when it cannot be a secret: never for text
// settings (a password, a token or a webhook secret is text) nor for a
// flag whose name says it holds one.
func invalidEnv(f *pflag.Flag, name, v string, setErr error) error {
	shown := name
	if showable(f) {
		shown = name + "=" + v
	}
	return fmt.Errorf("%s: %s (--%s)", shown, wantFor(f, v, setErr), f.Name)
}

// secretWords mark flag names whose value must never be printed.
var secretWords = []string{"secret", "token", "password", "seed", "key", "creds"}

func showable(f *pflag.Flag) bool {
	switch f.Value.Type() {
	case "string", "stringSlice", "stringArray":
		return false
	}
	for _, w := range secretWords {
		if strings.Contains(f.Name, w) {
			return false
		}
	}
	return true
}

// numberWithUnit splits "7d" into 7 and "d".
var numberWithUnit = regexp.MustCompile(`^\s*[0-9.]+\s*([A-Za-z]+)\s*$`)

// wantFor says what is wrong with v and what a valid value looks like.
func wantFor(f *pflag.Flag, v string, setErr error) string {
	switch f.Value.Type() {
	case "duration":
		if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			return "a duration needs a unit, e.g. " + strings.TrimSpace(v) + "s"
		}
		if m := numberWithUnit.FindStringSubmatch(v); m != nil {
			return fmt.Sprintf("%q is not a duration unit: use h, m, s or ms (7 days is 168h)", m[1])
		}
		return "want a duration such as 30s, 5m or 2h"
	case "bool":
		return "want true or false"
	case "int", "int8", "int16", "int32", "int64":
		return "want a whole number, e.g. " + f.DefValue
	case "uint", "uint8", "uint16", "uint32", "uint64":
		return "want a whole number not below 0, e.g. " + f.DefValue
	case "float32", "float64":
		return "want a number, e.g. " + f.DefValue
	}
	if showable(f) {
		// A flag's own Value explains itself (e.g. --start-at lists
		// what it accepts); pflag prefixes that with the value again.
		msg := setErr.Error()
		if i := strings.Index(msg, " flag: "); i >= 0 {
			msg = msg[i+len(" flag: "):]
		}
		return msg
	}
	return "invalid value for a " + f.Value.Type() + " setting"
}
