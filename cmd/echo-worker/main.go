// Command echo-worker answers Webex messages stored by ingest: it replies
// with the text received and the webhook that announced it.
package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/shipped/echoworker"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/cmd/workerkit"
)

func main() { os.Exit(process.Execute(command())) }

func command() *cobra.Command {
	var o echoworker.Options
	return workerkit.BotCommand(o.Bot())
}
