package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/cmd/process"
)

// botsCommand checks and lists a bot registry file. It reads the file and
// the secrets it references, and nothing else: no NATS, no Webex.
func botsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bots",
		Short: "Check or list a bot registry file (the bots, tokens and webhook secrets of a deployment)",
	}
	cmd.AddCommand(botsCheckCommand(), botsListCommand())
	return cmd
}

// botsFileOptions name the registry and how it is checked.
type botsFileOptions struct {
	file     string
	unsigned bool
}

func (o *botsFileOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.file, "file", "", "the bot registry file, YAML or JSON")
	process.SetEnvNames(fs, "file", "BOTS_FILE")
	fs.BoolVar(&o.unsigned, "insecure-skip-signature", false,
		"allow webhook registrations without a secret, as an ingest that skips the signature check does (development only)")
}

// load reads the registry, resolving its references from this process's
// files and environment.
func (o botsFileOptions) load() (*bots.Registry, error) {
	if o.file == "" {
		return nil, errors.New("no registry: give --file (or BOTS_FILE)")
	}
	r, err := bots.LoadFile(o.file, bots.Options{LookupEnv: os.LookupEnv, Unsigned: o.unsigned})
	if err != nil {
		return nil, registryError(o.file, err)
	}
	return r, nil
}

// registryError puts every problem of a registry on its own line under
// the file's name. The errors name bots and fields, never a secret.
func registryError(file string, err error) error {
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok || len(joined.Unwrap()) < 2 {
		return fmt.Errorf("%s: %w", file, err)
	}
	problems := joined.Unwrap()
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problems:", file, len(problems))
	for _, p := range problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return &wrappedText{text: b.String(), err: err}
}

// wrappedText is an error with its own text that still matches, with
// errors.Is and errors.As, what it wraps.
type wrappedText struct {
	text string
	err  error
}

func (e *wrappedText) Error() string { return e.text }
func (e *wrappedText) Unwrap() error { return e.err }

func botsCheckCommand() *cobra.Command {
	var o botsFileOptions
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Load a bot registry, resolve its secrets and check it; exit 1 with every problem found",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := o.load()
			if err != nil {
				return err
			}
			hooks := 0
			for _, b := range r.Bots() {
				hooks += len(b.Webhooks)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok: %s, %s\n", o.file,
				counted(r.Len(), "bot", "bots"), counted(hooks, "webhook registration", "webhook registrations"))
			return nil
		},
	}
	o.addFlags(cmd.Flags())
	return cmd
}

func botsListCommand() *cobra.Command {
	var (
		o      botsFileOptions
		format output.Format
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the bots of a registry: id, where the token comes from (never the token), webhooks, resources",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := o.load()
			if err != nil {
				return err
			}
			rows := botRows(r)
			if format.JSON() {
				return output.PrintJSON(cmd.OutOrStdout(), rows)
			}
			return printBots(cmd.OutOrStdout(), rows)
		},
	}
	o.addFlags(cmd.Flags())
	format.AddFlags(cmd.Flags())
	return cmd
}

// botRow is one bot as `bots list` prints it: nothing secret, only where
// the token comes from.
type botRow struct {
	ID          string   `json:"id"`
	TokenSource string   `json:"token_source"`
	Webhooks    int      `json:"webhooks"`
	WebhookIDs  []string `json:"webhook_ids"`
	Resources   []string `json:"resources"`
	MaxPause    string   `json:"max_pause,omitempty"`
	TargetURL   string   `json:"target_url,omitempty"`
}

func botRows(r *bots.Registry) []botRow {
	var rows []botRow
	for _, b := range r.Bots() {
		row := botRow{ID: b.ID, TokenSource: string(b.TokenSource), Webhooks: len(b.Webhooks),
			WebhookIDs: []string{}, Resources: []string{}, TargetURL: b.TargetURL}
		for _, w := range b.Webhooks {
			if w.ID != "" {
				row.WebhookIDs = append(row.WebhookIDs, w.ID)
			}
		}
		for _, re := range b.Resources() {
			row.Resources = append(row.Resources, re.Resource+"/"+re.Event)
		}
		if b.MaxPause > 0 {
			row.MaxPause = b.MaxPause.String()
		}
		rows = append(rows, row)
	}
	return rows
}

func printBots(w io.Writer, rows []botRow) error {
	t := output.NewTable(w, "ID", "TOKEN", "WEBHOOKS", "RESOURCES")
	for _, r := range rows {
		t.Row(r.ID, r.TokenSource, r.Webhooks, orDash(strings.Join(r.Resources, ",")))
	}
	return t.Flush()
}

// counted is n with the noun in the right number.
func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
