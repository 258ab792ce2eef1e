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
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		return BindEnv(cmd.Flags(), os.LookupEnv)
	}
	describeAll(root)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", root.Name(), err)
		return 1
	}
	return 0
}

func describeAll(cmd *cobra.Command) {
	DescribeEnv(cmd.Flags())
	DescribeEnv(cmd.PersistentFlags())
	for _, c := range cmd.Commands() {
		describeAll(c)
	}
}
