package process

import "github.com/spf13/pflag"

// envNamesAnnotation holds the variables a flag reads, when they are not
// just EnvName of the flag.
const envNamesAnnotation = "webexpipe/env"

// SetEnvNames makes flag read the variables names, in that order, instead
// of EnvName(flag). It serves two needs: a flag whose own name is a
// generic word (--timeout, --url, --room) reads a prefixed variable
// (WEBEXPIPE_TIMEOUT), because a shell may already have TIMEOUT or URL set
// for something else; and a setting other tools name differently (the
// nats CLI's NATS_CA) reads both names. An unknown flag is ignored.
func SetEnvNames(fs *pflag.FlagSet, flag string, names ...string) {
	_ = fs.SetAnnotation(flag, envNamesAnnotation, names)
}

// EnvNames are the variables f reads, the preferred one first.
func EnvNames(f *pflag.Flag) []string {
	if names := f.Annotations[envNamesAnnotation]; len(names) > 0 {
		return names
	}
	return []string{EnvName(f.Name)}
}
