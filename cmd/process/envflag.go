package process

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// EnvName is the environment variable a flag reads unless SetEnvNames gave
// it others: --nats-url reads NATS_URL.
func EnvName(flag string) string {
	return strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// BindEnv gives every flag of fs that was not set on the command line the
// value of its environment variable (see EnvNames), when that is set. A
// flag given on the command line wins over the environment, and the
// environment over a NATS context (--nats-context, see ApplyNATSContext),
// which is applied last when fs has that flag. A value given under a
// setting's deprecated name (AddOldName) then moves to the setting. Every
// invalid value is reported: which variable, what is wrong and what would
// be valid.
func BindEnv(fs *pflag.FlagSet, lookup func(string) (string, bool)) error {
	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == "help" || isFlagOnly(f) {
			return
		}
		name, v, ok, err := lookupEnv(f, lookup)
		if err != nil {
			errs = append(errs, err)
			return
		}
		if !ok {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, invalidEnv(f, name, v, err))
		}
	})
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("environment: %w", err)
	}
	if err := applyOldNames(fs); err != nil {
		return err
	}
	return ApplyNATSContext(fs, lookup)
}

// lookupEnv finds f's value among its variables. Two of them set to
// different values is an error rather than a silent choice: the operator
// meant one of them, and guessing which would hide the mistake.
func lookupEnv(f *pflag.Flag, lookup func(string) (string, bool)) (name, value string, ok bool, err error) {
	for _, n := range EnvNames(f) {
		v, set := lookup(n)
		if !set {
			continue
		}
		if ok && v != value {
			return "", "", false, fmt.Errorf("%s and %s are both set, to different values: set one of them (--%s)", name, n, f.Name)
		}
		if !ok {
			name, value, ok = n, v, true
		}
	}
	return name, value, ok, nil
}

// DescribeEnv appends "(env NAME)" (or "(env NAME or ALIAS)") to every
// flag's usage so --help lists the variables too.
func DescribeEnv(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" || isFlagOnly(f) || strings.Contains(f.Usage, "(env ") {
			return
		}
		f.Usage += " (env " + strings.Join(EnvNames(f), " or ") + ")"
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
