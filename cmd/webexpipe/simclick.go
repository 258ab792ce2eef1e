package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

func simClickCommand() *cobra.Command {
	var (
		simURL  string
		email   string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "click MESSAGE_ID [KEY=VALUE...]",
		Short: "Submit a card as a user and print the bot's reply in the card's thread",
		Long: `Submit the card of message MESSAGE_ID as a user, as pressing its submit button
would: each KEY=VALUE becomes an input (Webex submits every value as text),
including the button's data such as action=demo. The emulator stores an
attachment action and delivers the signed attachmentActions webhook; the
command then waits for the bot's reply in the card's thread and prints it.`,
		Example: `  webexpipe sim send card
  webexpipe sim click <card message id> action=demo name=Ana guests=3 topic=idea updates=true date=2026-06-01`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			inputs, err := parseInputs(args[1:])
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			sc := simClient{base: strings.TrimRight(simURL, "/"), http: &http.Client{Timeout: timeout}}
			a, err := sc.submit(ctx, emulator.CardSubmit{MessageID: args[0], PersonEmail: email, Inputs: inputs})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "submitted the card of %s as %s (attachment action %s); waiting for the reply...\n", args[0], email, a.ID)
			reply, err := sc.awaitThreadReply(ctx, args[0], a)
			if err != nil {
				return err
			}
			printReply(cmd.OutOrStdout(), reply)
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&simURL, "sim-url", defaultSimURL, "base URL of the Webex emulator")
	fs.StringVar(&email, "email", emulator.DefaultUserEmail, "the simulated user's email")
	process.SetEnvNames(fs, "email", "SIM_EMAIL") // EMAIL and TIMEOUT alone are too generic
	fs.DurationVar(&timeout, "timeout", 10*time.Second, "how long to wait for the reply")
	process.SetEnvNames(fs, "timeout", "SIM_TIMEOUT")
	return cmd
}

// parseInputs reads KEY=VALUE arguments into a card's inputs. A value may
// contain '=' and be empty; a key may not, nor repeat.
func parseInputs(args []string) (map[string]any, error) {
	inputs := make(map[string]any, len(args))
	for _, arg := range args {
		k, v, ok := strings.Cut(arg, "=")
		switch {
		case !ok || k == "":
			return nil, fmt.Errorf("input %q: want KEY=VALUE, e.g. name=Ana", arg)
		case inputs[k] != nil:
			return nil, fmt.Errorf("input %q given twice", k)
		}
		inputs[k] = v
	}
	return inputs, nil
}

// printReply prints a bot message: for a card, a line with its message id
// (what `sim click` needs) and then its fallback text; otherwise its
// markdown, or its text.
func printReply(w io.Writer, m webex.Message) {
	out := m.Markdown
	if out == "" {
		out = m.Text
	}
	if hasCard(m) {
		fmt.Fprintf(w, "card message: %s\n", m.ID)
	}
	fmt.Fprintln(w, out)
}

// hasCard reports whether a message carries an adaptive card.
func hasCard(m webex.Message) bool {
	for _, a := range m.Attachments {
		if a.ContentType == webex.AdaptiveCardContentType {
			return true
		}
	}
	return false
}
