package process

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// EnvName is the environment variable a flag reads: --nats-url reads NATS_URL.
func EnvName(flag string) string {
	return strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// BindEnv gives every flag of fs that was not set on the command line the
// value of its environment variable, when that is set. A flag given on the
// command line wins over the environment.
func BindEnv(fs *pflag.FlagSet, lookup func(string) (string, bool)) error {
	var errs []string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == "help" || isFlagOnly(f) {
			return
		}
		v, ok := lookup(EnvName(f.Name))
		if !ok {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			// The value may be a secret: name the variable, not the value.
			errs = append(errs, fmt.Sprintf("%s: invalid value for --%s", EnvName(f.Name), f.Name))
		}
	})
	if len(errs) > 0 {
		return fmt.Errorf("environment: %s", strings.Join(errs, "; "))
	}
	return nil
}

// DescribeEnv appends "(env NAME)" to every flag's usage so --help lists the
// variables too.
func DescribeEnv(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" || isFlagOnly(f) || strings.Contains(f.Usage, "(env ") {
			return
		}
		f.Usage += " (env " + EnvName(f.Name) + ")"
	})
}

// flagOnlyAnnotation marks a flag that is never read from the environment.
const flagOnlyAnnotation = "webexpipe/flag-only"

// FlagOnly marks flags of fs as command-line only: BindEnv skips them and
// DescribeEnv names no variable for them. It is for flags that say what a
// one-off command does (--force, --dry-run, --since): a FORCE=true left in
// a shell must never change what a command does. Settings (where NATS is,
// the token) keep their variables. Unknown names are ignored.
func FlagOnly(fs *pflag.FlagSet, names ...string) {
	for _, n := range names {
		_ = fs.SetAnnotation(n, flagOnlyAnnotation, []string{"true"})
	}
}

func isFlagOnly(f *pflag.Flag) bool {
	_, ok := f.Annotations[flagOnlyAnnotation]
	return ok
}
