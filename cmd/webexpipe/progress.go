package main

import (
	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/output"
)

// startProgress starts the progress of a long command on its stderr: a
// line redrawn in place when terminal says stderr is one, plain lines
// otherwise, nothing with --quiet. The command calls Done before it prints
// its summary.
func startProgress(cmd *cobra.Command, quiet bool, terminal func(any) bool) *output.Progress {
	w := cmd.ErrOrStderr()
	return output.NewProgress(w, output.ProgressOptions{Terminal: terminal(w), Quiet: quiet})
}
