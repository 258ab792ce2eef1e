package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/workers/cards"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// Where the emulator listens unless told otherwise, and the URL the sim
// commands reach it at by default (SIM_URL).
const (
	defaultSimAddr = "127.0.0.1:8090"
	defaultSimURL  = "http://" + defaultSimAddr
)

func simCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Talk to the Webex emulator: send messages and submit cards as a user, or run it on its own",
	}
	cmd.AddCommand(simSendCommand(), simClickCommand(), simServeCommand())
	return cmd
}

func simSendCommand() *cobra.Command {
	var (
		simURL  string
		room    string
		email   string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "send TEXT...",
		Short: "Post a message to the bot as a user and print the bot's reply (for a card: its message id and fallback text)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			sc := simClient{base: strings.TrimRight(simURL, "/"), http: &http.Client{Timeout: timeout}}
			sent, err := sc.post(ctx, emulator.UserMessage{RoomID: room, PersonEmail: email, Text: strings.Join(args, " ")})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "sent %s to room %s as %s; waiting for the reply...\n", sent.ID, sent.RoomID, sent.PersonEmail)
			reply, err := sc.awaitReply(ctx, sent)
			if err != nil {
				return err
			}
			printReply(cmd.OutOrStdout(), reply)
			if hasCard(reply) {
				fmt.Fprintf(cmd.ErrOrStderr(), "submit it with: webexpipe sim click %s action=%s name=Ana\n", reply.ID, cards.DemoAction)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&simURL, "sim-url", defaultSimURL, "base URL of the Webex emulator")
	fs.StringVar(&room, "room", "", "room to post in (default: the user's direct room with the bot)")
	fs.StringVar(&email, "email", "user@example.com", "the simulated user's email")
	process.SetEnvNames(fs, "room", "SIM_ROOM") // ROOM and EMAIL alone are too generic
	process.SetEnvNames(fs, "email", "SIM_EMAIL")
	fs.DurationVar(&timeout, "timeout", 10*time.Second, "how long to wait for the reply")
	process.SetEnvNames(fs, "timeout", "SIM_TIMEOUT")
	return cmd
}

func simServeCommand() *cobra.Command {
	var (
		logs process.LogOptions
		addr string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Webex emulator on its own",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := logs.Logger(os.Stderr)
			if err != nil {
				return err
			}
			sim := emulator.New(emulator.Options{Logger: log})
			if err := sim.Start(addr); err != nil {
				return err
			}
			defer sim.Close()
			fmt.Fprintf(cmd.OutOrStdout(), "Webex emulator at %s (bot token %q, control API under /_sim, page at %s/). Stop with Ctrl-C.\n",
				sim.URL(), sim.Token(), strings.TrimSuffix(sim.URL(), "/v1"))
			<-cmd.Context().Done()
			return nil
		},
	}
	logs.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&addr, "sim-addr", defaultSimAddr, "address the emulator listens on")
	return cmd
}
