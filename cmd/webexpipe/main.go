// Command webexpipe is the operator's tool: dev runs the whole pipeline in
// one process, sim talks to the Webex emulator.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
)

func main() { os.Exit(run()) }

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCommand().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "webexpipe:", err)
		return 1
	}
	return 0
}

func rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "webexpipe",
		Short:         "A queue-backed pipeline for Webex bots",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return app.BindEnv(cmd.Flags(), os.LookupEnv)
		},
	}
	root.AddCommand(devCommand(), simCommand())
	return root
}

// withEnvHelp adds the environment variable names to a command's flag help.
func withEnvHelp(cmd *cobra.Command) *cobra.Command {
	app.DescribeEnv(cmd.Flags())
	return cmd
}
