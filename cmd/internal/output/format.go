package output

import (
	"fmt"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/process"
)

// Format is how a command prints its records.
type Format string

const (
	// FormatTable is for people: aligned columns for a list, labelled lines for
	// one record or a report. It is the default, also when stdout is not a
	// terminal, so that what a command prints does not depend on where it
	// runs; a script asks for JSON.
	FormatTable Format = "table"
	// FormatJSON is for scripts; see the package doc for its rule.
	FormatJSON Format = "json"
)

// String implements pflag.Value.
func (f *Format) String() string {
	if *f == "" {
		return string(FormatTable)
	}
	return string(*f)
}

// Set implements pflag.Value.
func (f *Format) Set(s string) error {
	switch Format(s) {
	case FormatTable, FormatJSON:
		*f = Format(s)
		return nil
	}
	return fmt.Errorf("%q: want table or json", s)
}

// Type implements pflag.Value.
func (f *Format) Type() string { return "table|json" }

// JSON reports whether f asks for JSON.
func (f Format) JSON() bool { return f == FormatJSON }

// AddFlags registers -o/--output on fs, and --json as a short form of
// -o json that older scripts use (kept, not deprecated). Both are flags
// only: an OUTPUT or JSON variable in a shell must not change what a
// command prints.
func (f *Format) AddFlags(fs *pflag.FlagSet) {
	*f = FormatTable
	fs.VarP(f, "output", "o", "how to print: table (for people) or json (for scripts)")
	fs.Var(jsonAlias{f}, "json", "the same as -o json")
	fs.Lookup("json").NoOptDefVal = "true"
	process.FlagOnly(fs, "output", "json")
}

// jsonAlias is --json: true means -o json, false -o table.
type jsonAlias struct{ f *Format }

func (a jsonAlias) String() string   { return strconv.FormatBool(a.f != nil && *a.f == FormatJSON) }
func (a jsonAlias) Type() string     { return "bool" }
func (a jsonAlias) IsBoolFlag() bool { return true }

func (a jsonAlias) Set(s string) error {
	on, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	if on {
		*a.f = FormatJSON
	} else {
		*a.f = FormatTable
	}
	return nil
}
