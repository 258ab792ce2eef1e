package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/output"
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
	cmd.AddCommand(simSendCommand(), simClickCommand(), simServeCommand(), simBotsCommand())
	return cmd
}

func simSendCommand() *cobra.Command {
	var (
		simURL  string
		room    string
		email   string
		botID   string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "send TEXT...",
		Short: "Post a message to the bot as a user and print the bot's reply (for a card: its message id and fallback text)",
		Long: `Post a message as a user and print the bot's reply. Without --room the message
goes to the user's direct room with the bot; in a group room (--room) the bot
is mentioned, as Webex requires for a bot to see it. --bot picks one of the
emulator's bots (see 'webexpipe sim bots'); the default is the first.`,
		Example: `  webexpipe sim send hello
  webexpipe sim send --bot sales hello
  webexpipe sim send --bot sales --room <group room id> hello`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			sc := simClient{base: strings.TrimRight(simURL, "/"), http: &http.Client{Timeout: timeout}}
			um := emulator.UserMessage{Bot: botID, RoomID: room, PersonEmail: email, Text: strings.Join(args, " ")}
			var b emulator.BotInfo
			if botID != "" {
				var err error
				if b, err = sc.bot(ctx, botID); err != nil {
					return err
				}
			}
			if room != "" {
				group, err := sc.isGroupRoom(ctx, room)
				if err != nil {
					return err
				}
				um.MentionBot = group
			}
			sent, err := sc.post(ctx, um)
			if err != nil {
				return err
			}
			to := "the bot"
			if botID != "" {
				to = "bot " + botID
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "sent %s to %s in room %s as %s; waiting for the reply...\n", sent.ID, to, sent.RoomID, sent.PersonEmail)
			reply, err := sc.awaitReplyFrom(ctx, sent, b.Person.ID) // b is zero without --bot: any reply
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
	fs.StringVar(&botID, "bot", "", "short id of the emulator's bot to write to (default: the first)")
	process.SetEnvNames(fs, "room", "SIM_ROOM") // ROOM, EMAIL and BOT alone are too generic
	process.SetEnvNames(fs, "email", "SIM_EMAIL")
	process.SetEnvNames(fs, "bot", "SIM_BOT")
	fs.DurationVar(&timeout, "timeout", 10*time.Second, "how long to wait for the reply")
	process.SetEnvNames(fs, "timeout", "SIM_TIMEOUT")
	return cmd
}

func simServeCommand() *cobra.Command {
	var (
		logs process.LogOptions
		addr string
		bots []string
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
			opts := emulator.Options{Logger: log}
			for _, spec := range bots {
				b, err := parseBotSpec(spec)
				if err != nil {
					return err
				}
				opts.Bots = append(opts.Bots, b)
			}
			if err := opts.Validate(); err != nil {
				return err
			}
			sim := emulator.New(opts)
			if err := sim.Start(addr); err != nil {
				return err
			}
			defer sim.Close()
			fmt.Fprintf(cmd.OutOrStdout(), "Webex emulator at %s (bot token %q, control API under /_sim, page at %s/). Stop with Ctrl-C.\n",
				sim.URL(), sim.Token(), strings.TrimSuffix(sim.URL(), "/v1"))
			for _, b := range sim.Bots()[1:] {
				fmt.Fprintf(cmd.OutOrStdout(), "  bot %s: %s <%s>, token %q\n", b.ID, b.Person.DisplayName, b.Person.Emails[0], b.Token)
			}
			<-cmd.Context().Done()
			return nil
		},
	}
	logs.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&addr, "sim-addr", defaultSimAddr, "address the emulator listens on")
	cmd.Flags().StringSliceVar(&bots, "bot", nil, "more bots to serve beside the first, each ID or ID:TOKEN (repeat, or comma-separated; the token defaults to emulator-token-ID)")
	process.SetEnvNames(cmd.Flags(), "bot", "SIM_BOTS")
	return cmd
}

// parseBotSpec reads a --bot value of sim serve: ID, or ID:TOKEN.
func parseBotSpec(v string) (emulator.BotSpec, error) {
	id, token, _ := strings.Cut(v, ":")
	if id == "" {
		return emulator.BotSpec{}, fmt.Errorf("--bot %q: want ID or ID:TOKEN, e.g. sales", v)
	}
	return emulator.BotSpec{ID: id, Token: token}, nil
}

func simBotsCommand() *cobra.Command {
	var (
		simURL  string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "bots",
		Short: "List the emulator's bots: short id (for --bot), name, email, token, person id",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			sc := simClient{base: strings.TrimRight(simURL, "/"), http: &http.Client{Timeout: timeout}}
			bots, err := sc.bots(ctx)
			if err != nil {
				return err
			}
			t := output.NewTable(cmd.OutOrStdout(), "ID", "NAME", "EMAIL", "TOKEN", "PERSON ID")
			for _, b := range bots {
				email := ""
				if len(b.Person.Emails) > 0 {
					email = b.Person.Emails[0]
				}
				t.Row(b.ID, b.Person.DisplayName, email, b.Token, b.Person.ID)
			}
			return t.Flush()
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&simURL, "sim-url", defaultSimURL, "base URL of the Webex emulator")
	fs.DurationVar(&timeout, "timeout", 10*time.Second, "bound on the request")
	process.SetEnvNames(fs, "timeout", "SIM_TIMEOUT")
	return cmd
}
