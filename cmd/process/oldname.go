package process

import (
	"fmt"
	"log/slog"

	"github.com/spf13/pflag"
)

// renamedToAnnotation marks a flag kept under a setting's old name; it
// holds the flag that replaced it.
const renamedToAnnotation = "webexpipe/renamed-to"

// oldName is the value of a flag kept under an old name: it only keeps
// what was given, which BindEnv hands to the flag that replaced it.
type oldName struct {
	typ   string
	value string
	set   bool
}

func (v *oldName) Set(s string) error { v.value, v.set = s, true; return nil }
func (v *oldName) String() string     { return v.value }
func (v *oldName) Type() string       { return v.typ }

// AddOldName keeps a renamed setting's old name working: --old and its
// variable (EnvName(old)) are accepted as a deprecated way to set --flag,
// which must be registered already. The value is parsed as --flag's own;
// giving both names is an error, since one of them would be ignored.
// OldNamesUsed says which old names a run was given, for a warning.
func AddOldName(fs *pflag.FlagSet, flag, old string) {
	f := fs.Lookup(flag)
	if f == nil {
		panic("process.AddOldName: no flag --" + flag)
	}
	fs.Var(&oldName{typ: f.Value.Type()}, old, "deprecated name of --"+flag)
	_ = fs.SetAnnotation(old, renamedToAnnotation, []string{flag})
}

// applyOldNames moves every value given under an old name to the flag that
// replaced it. It runs after the command line and the environment are
// read, so that "both names given" covers every way of giving them.
func applyOldNames(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		to, ok := renamedTo(f)
		v, isOld := f.Value.(*oldName)
		if !ok || !isOld || !v.set || err != nil {
			return
		}
		target := fs.Lookup(to)
		if target.Changed {
			err = fmt.Errorf("%s (--%s) is the deprecated name of %s (--%s), which is set too: set only %s",
				EnvName(f.Name), f.Name, EnvNames(target)[0], to, EnvNames(target)[0])
			return
		}
		if serr := fs.Set(to, v.value); serr != nil {
			err = invalidEnv(target, EnvName(f.Name), v.value, serr)
		}
	})
	return err
}

// OldNamesUsed returns, for each deprecated name a run was given (see
// AddOldName), a sentence naming it and its replacement.
func OldNamesUsed(fs *pflag.FlagSet) []string {
	var out []string
	fs.VisitAll(func(f *pflag.Flag) {
		to, ok := renamedTo(f)
		if v, isOld := f.Value.(*oldName); ok && isOld && v.set {
			out = append(out, fmt.Sprintf("%s (--%s) is deprecated: it still works, but set %s (--%s) instead",
				EnvName(f.Name), f.Name, EnvNames(fs.Lookup(to))[0], to))
		}
	})
	return out
}

// WarnOldNames logs a warning for each deprecated name the run was given.
// A binary calls it once, at start, once its logger exists.
func WarnOldNames(fs *pflag.FlagSet, log *slog.Logger) {
	for _, s := range OldNamesUsed(fs) {
		log.Warn(s)
	}
}

func renamedTo(f *pflag.Flag) (string, bool) {
	to := f.Annotations[renamedToAnnotation]
	if len(to) != 1 {
		return "", false
	}
	return to[0], true
}
