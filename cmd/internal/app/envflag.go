package app

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
		if f.Changed || f.Name == "help" {
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
		if f.Name == "help" || strings.Contains(f.Usage, "(env ") {
			return
		}
		f.Usage += " (env " + EnvName(f.Name) + ")"
	})
}
