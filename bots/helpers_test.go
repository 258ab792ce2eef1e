package bots

import (
	"errors"
	"io/fs"
	"maps"
	"testing"
)

// problems returns every *FieldError in err's tree.
func problems(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(e error) {
		var fe *FieldError
		if errors.As(e, &fe) && e == error(fe) {
			out = append(out, fe)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, c := range j.Unwrap() {
				walk(c)
			}
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// env is a LookupEnv over a map.
func env(vars map[string]string) func(string) (string, bool) {
	vars = maps.Clone(vars)
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

// files is a ReadFile over a map of paths to contents.
func files(contents map[string]string) func(string) ([]byte, error) {
	contents = maps.Clone(contents)
	return func(name string) ([]byte, error) {
		c, ok := contents[name]
		if !ok {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		return []byte(c), nil
	}
}

// mustParse parses a registry that must be valid.
func mustParse(t *testing.T, doc string, o Options) *Registry {
	t.Helper()
	r, err := Parse([]byte(doc), o)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return r
}
