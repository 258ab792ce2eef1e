package process

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Execute runs a binary's root command and returns its exit code. SIGINT
// and SIGTERM cancel the command's context; every flag of every command also
// reads its environment variable (see BindEnv) and says so in --help; an
// error is printed once, prefixed with the binary's name. --version prints
// what Build says (the root command's Version, when it sets one).
func Execute(root *cobra.Command) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if root.Version == "" {
		root.Version = Build().String()
	}
	root.InitDefaultVersionFlag()
	// A VERSION variable left in a shell or an image is not a request to
	// print the version.
	FlagOnly(root.Flags(), "version")
	root.SilenceUsage = true
	root.SilenceErrors = true
	flushTraces := func(context.Context) error { return nil }
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := BindEnv(cmd.Flags(), os.LookupEnv); err != nil {
			return err
		}
		var err error
		flushTraces, err = startProcessTracing(ctx, root.Name(), flagValue(cmd, "log-format"))
		return err
	}
	describeAll(root)
	err := root.ExecuteContext(ctx)
	// The spans of the command's last moments (a drain, a final reply)
	// are exported before the process exits.
	if ferr := flushTraces(context.WithoutCancel(ctx)); ferr != nil {
		fmt.Fprintf(os.Stderr, "%s: tracing: %v\n", root.Name(), ferr)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", root.Name(), err)
		return 1
	}
	return 0
}

// flagValue is the value of cmd's flag name, or "" when it has none.
func flagValue(cmd *cobra.Command, name string) string {
	if f := cmd.Flags().Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

func describeAll(cmd *cobra.Command) {
	DescribeEnv(cmd.Flags())
	DescribeEnv(cmd.PersistentFlags())
	for _, c := range cmd.Commands() {
		describeAll(c)
	}
}
