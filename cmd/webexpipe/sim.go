package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/webextest"
)

func simCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Talk to the Webex emulator: send messages as a user, or run it on its own",
	}
	cmd.AddCommand(simSendCommand(), simServeCommand())
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
		Short: "Post a message to the bot as a user and print the bot's reply",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			sc := simClient{base: strings.TrimRight(simURL, "/"), http: &http.Client{Timeout: timeout}}
			sent, err := sc.post(ctx, webextest.UserMessage{RoomID: room, PersonEmail: email, Text: strings.Join(args, " ")})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "sent %s to room %s as %s; waiting for the reply...\n", sent.ID, sent.RoomID, sent.PersonEmail)
			reply, err := sc.awaitReply(ctx, sent)
			if err != nil {
				return err
			}
			out := reply.Markdown
			if out == "" {
				out = reply.Text
			}
			fmt.Fprintln(cmd.OutOrStdout(), out)
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&simURL, "sim-url", "http://127.0.0.1:8090", "base URL of the Webex emulator")
	fs.StringVar(&room, "room", "", "room to post in (default: the user's direct room with the bot)")
	fs.StringVar(&email, "email", "user@example.com", "the simulated user's email")
	fs.DurationVar(&timeout, "timeout", 10*time.Second, "how long to wait for the reply")
	return cmd
}

func simServeCommand() *cobra.Command {
	var (
		logs app.LogOptions
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
			sim := webextest.New(webextest.Options{Logger: log})
			if err := sim.Start(addr); err != nil {
				return err
			}
			defer sim.Close()
			fmt.Fprintf(cmd.OutOrStdout(), "Webex emulator at %s (bot token %q, control API under /_sim). Stop with Ctrl-C.\n", sim.URL(), sim.Token())
			<-cmd.Context().Done()
			return nil
		},
	}
	logs.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&addr, "sim-addr", "127.0.0.1:8090", "address the emulator listens on")
	return cmd
}

// simClient speaks the emulator's control API.
type simClient struct {
	base string
	http *http.Client
}

func (c simClient) post(ctx context.Context, um webextest.UserMessage) (webex.Message, error) {
	body, _ := json.Marshal(um)
	var msg webex.Message
	err := c.do(ctx, http.MethodPost, "/_sim/messages", body, &msg)
	return msg, err
}

// awaitReply polls the room until a message from someone other than the
// sender appears after sent.
func (c simClient) awaitReply(ctx context.Context, sent webex.Message) (webex.Message, error) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		var page struct {
			Items []webex.Message `json:"items"`
		}
		if err := c.do(ctx, http.MethodGet, "/_sim/rooms/"+url.PathEscape(sent.RoomID)+"/messages", nil, &page); err != nil {
			return webex.Message{}, err
		}
		after := false
		for _, m := range page.Items {
			if m.ID == sent.ID {
				after = true
				continue
			}
			if after && m.PersonEmail != sent.PersonEmail {
				return m, nil
			}
		}
		select {
		case <-ctx.Done():
			return webex.Message{}, errors.New("no reply from the bot in time: is `make run` (webexpipe dev) running?")
		case <-tick.C:
		}
	}
}

func (c simClient) do(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("emulator at %s: %w (is `make run` running?)", c.base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("emulator %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	return json.Unmarshal(b, out)
}
