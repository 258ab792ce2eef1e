package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/webexpipe/webexpipe/cmd/process"
)

// singleWordLegacy are one-word variables kept because deployments set
// them (PROVISION=false, PARTITIONS in compose and Kubernetes); every
// other variable has a prefix.
var singleWordLegacy = map[string]bool{"PROVISION": true, "PARTITIONS": true}

// TestNoGenericVariables walks every command: a variable named by one
// common word (TIMEOUT, URL, EMAIL, ROOM, UNSIGNED) may already be set in
// an operator's shell for something else and would silently change what a
// command does.
func TestNoGenericVariables(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		visit := func(f *pflag.Flag) {
			if f.Name == "help" || f.Annotations["webexpipe/flag-only"] != nil || strings.Contains(f.Usage, noEnv) {
				return
			}
			for _, n := range process.EnvNames(f) {
				if !strings.Contains(n, "_") && !singleWordLegacy[n] {
					t.Errorf("%s --%s reads %s: give it a prefix (process.SetEnvNames)", c.CommandPath(), f.Name, n)
				}
			}
		}
		c.Flags().VisitAll(visit)
		c.PersistentFlags().VisitAll(visit)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(rootCommand())
}
