// Command webexpipe is the operator's tool: dev runs the whole pipeline in
// one process, sim talks to the Webex emulator.
package main

import (
	"os"

	"github.com/spf13/cobra"
	"github.com/webexpipe/webexpipe/cmd/process"
)

func main() { os.Exit(process.Execute(rootCommand())) }

func rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "webexpipe",
		Short: "A queue-backed pipeline for Webex bots",
	}
	root.AddCommand(devCommand(), simCommand(), provisionCommand(), dlqCommand(),
		replayCommand(), eventsCommand(), statusCommand(), webhooksCommand(), backfillCommand(), benchCommand(), consoleCommand())
	root.AddCommand(botsCommand())
	return root
}
