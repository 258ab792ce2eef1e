// Command cards-worker answers adaptive-card submissions stored by ingest:
// it routes each submission on its action value to a card handler and
// replies in the card's thread.
package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/shipped/cardsworker"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/cmd/workerkit"
)

func main() { os.Exit(process.Execute(command())) }

func command() *cobra.Command {
	var o cardsworker.Options
	return workerkit.BotCommand(o.Bot())
}
