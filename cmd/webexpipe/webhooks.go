package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// webhooksCmd holds the settings the webhooks commands share.
type webhooksCmd struct {
	tool  app.ToolOptions
	webex process.WebexOptions
	wh    app.WebhookOptions
	in    app.IngestOptions // the webhook secrets, under ingest's names
	logs  process.LogOptions
	// choice is BOTS_FILE and --bot: whose webhooks (webhooks_bots.go).
	choice app.BotChoice
}

// webhookAliases let short names (--target, --resources, ...) stand for
// the settings' full names (which are also their environment variables).
var webhookAliases = map[string]string{
	"target": "webhook-target", "resources": "webhook-resources", "name-prefix": "webhook-name-prefix",
	"filter": "webhook-filter", "interval": "webhook-watch-interval",
	"secret": "webex-webhook-secret", "secret-file": "webex-webhook-secret-file",
}

// webhooksCommand is `webexpipe webhooks`: a thin layer over
// workers/webex/webhooks.
func webhooksCommand() *cobra.Command {
	c := &webhooksCmd{}
	cmd := &cobra.Command{
		Use:   "webhooks",
		Short: "Manage the bot's Webex webhooks: list, ensure, delete, watch",
		Long: "The webhooks webexpipe manages carry a name prefix (--webhook-name-prefix, default \"webexpipe\");\n" +
			"ensure, delete and watch never change any other webhook. Needs WEBEX_TOKEN (or WEBEX_TOKEN_FILE).",
	}
	cmd.SetGlobalNormalizationFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if full, ok := webhookAliases[name]; ok {
			name = full
		}
		return pflag.NormalizedName(name)
	})
	pf := cmd.PersistentFlags()
	c.tool.AddFlags(pf, time.Minute)
	c.webex.AddFlags(pf)
	c.logs.AddFlags(pf)
	c.choice.AddFlags(pf)
	// The commands print what they did; the log is for warnings unless
	// asked for.
	pf.Lookup("log-level").DefValue = "warn"
	_ = pf.Set("log-level", "warn")
	cmd.AddCommand(c.listCommand(), c.ensureCommand(), c.deleteCommand(), c.watchCommand())
	return cmd
}

// desiredFlags registers what ensure and watch need to know of the wanted
// webhooks, and the secret, under ingest's names.
func (c *webhooksCmd) desiredFlags(cmd *cobra.Command, watchDefault time.Duration) {
	fs := cmd.Flags()
	c.wh.AddFlags(fs, watchDefault)
	fs.StringSliceVar(&c.in.Secrets, "webex-webhook-secret", nil, "the webhook secret (the first one is registered; prefer the file)")
	fs.StringVar(&c.in.SecretFile, "webex-webhook-secret-file", "", "file with webhook secrets, one per line, as ingest reads it: the first is registered")
}

// manager connects to NATS and Webex and opens the webhook manager; close
// ends the NATS connection.
func (c *webhooksCmd) manager(ctx context.Context, cmd *cobra.Command) (m *webhooks.Manager, closeFn func(), err error) {
	conn, err := c.connect(ctx, cmd)
	if err != nil {
		return nil, nil, err
	}
	return conn.m, conn.nc.Close, nil
}

// webhooksConn is what a webhooks command works with: the manager, and
// for the watchdog's recovery the connections it was opened on.
type webhooksConn struct {
	m      *webhooks.Manager
	js     jetstream.JetStream
	nc     *nats.Conn
	client *webex.Client
	log    *slog.Logger
}

// connect connects to NATS and Webex and opens the webhook manager.
func (c *webhooksCmd) connect(ctx context.Context, cmd *cobra.Command) (*webhooksConn, error) {
	client, err := c.webex.Client()
	if err != nil {
		return nil, err
	}
	nc, js, err := c.tool.Connect(ctx, "webexpipe-webhooks", cmd.ErrOrStderr())
	if err != nil {
		return nil, err
	}
	log, err := c.logs.Logger(os.Stderr)
	if err != nil {
		nc.Close()
		return nil, err
	}
	m, err := webhooks.Open(ctx, client, js, c.wh.ManagerOptions(log))
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &webhooksConn{m: m, js: js, client: client, log: log, nc: nc}, nil
}

// spec is the desired set from the flags.
func (c *webhooksCmd) spec(unsigned bool) (webhooks.Spec, error) {
	if c.wh.Target == "" {
		return webhooks.Spec{}, errors.New("--target (WEBHOOK_TARGET) is required: the public URL Webex delivers to")
	}
	secret, err := app.WebhookSecret(c.in)
	if err != nil {
		return webhooks.Spec{}, err
	}
	s, err := c.wh.Spec(secret, unsigned)
	if err != nil {
		return webhooks.Spec{}, fmt.Errorf("%w (give the secret with --secret-file or WEBEX_WEBHOOK_SECRET_FILE)", err)
	}
	return s, nil
}

func (c *webhooksCmd) listCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the bot's webhooks and their status on Webex (secrets are never shown)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if per, err := c.perBot(); err != nil {
				return err
			} else if per {
				return c.listBots(cmd)
			}
			ctx, cancel := c.tool.Context(cmd.Context())
			defer cancel()
			m, closeNATS, err := c.manager(ctx, cmd)
			if err != nil {
				return err
			}
			defer closeNATS()
			hooks, err := m.List(ctx)
			if err != nil {
				return err
			}
			if c.tool.Output.JSON() {
				return output.PrintJSON(cmd.OutOrStdout(), hooks)
			}
			if len(hooks) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "no webhooks")
				return nil
			}
			return printHooks(cmd.OutOrStdout(), hooks)
		},
	}
	c.wh.AddPrefixFlag(cmd.Flags())
	return cmd
}

func (c *webhooksCmd) ensureCommand() *cobra.Command {
	var prune, unsigned bool
	cmd := &cobra.Command{
		Use:   "ensure --target URL [--resources messages,attachmentActions] [--secret-file FILE]",
		Short: "Make the managed webhooks match: create missing ones, fix target and secret, re-activate disabled ones",
		Long: "Idempotent and safe to run from many replicas at once (a lock in the webex_webhooks bucket).\n" +
			"A disabled webhook is re-activated only five minutes after it was first seen disabled: sooner, Webex\n" +
			"would disable it again at its next failure. Run ensure again later, or keep `webhooks watch` running.\n" +
			"Exits 1 while a wanted webhook is still disabled, even when nothing else needed a change.",
		Example: "  webexpipe webhooks ensure --target https://bot.example.com/webhooks/webex --secret-file /run/secrets/webhook\n" +
			"  webexpipe webhooks ensure --target https://bot.example.com/webhooks/webex --resources messages,memberships/all --secret-file s",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if per, err := c.perBot(); err != nil {
				return err
			} else if per {
				return c.ensureBots(cmd, unsigned, prune)
			}
			spec, err := c.spec(unsigned)
			if err != nil {
				return err
			}
			spec.Prune = prune
			ctx, cancel := c.tool.Context(cmd.Context())
			defer cancel()
			m, closeNATS, err := c.manager(ctx, cmd)
			if err != nil {
				return err
			}
			defer closeNATS()
			rep, err := m.Ensure(ctx, spec)
			if rep != nil {
				if c.tool.Output.JSON() {
					if perr := output.PrintJSON(cmd.OutOrStdout(), rep); perr != nil {
						return perr
					}
				} else if perr := printEnsureReport(cmd.OutOrStdout(), rep); perr != nil {
					return perr
				}
				if err == nil {
					// A webhook left disabled loses events: a script
					// running ensure must see that it is not done.
					err = rep.Err()
				}
			}
			return err
		},
	}
	c.desiredFlags(cmd, -1)
	cmd.Flags().BoolVar(&prune, "prune", false, "delete managed webhooks for resources not in --resources")
	cmd.Flags().BoolVar(&unsigned, "unsigned", false, "allow webhooks without a secret (only for an ingest with INSECURE_SKIP_SIGNATURE)")
	process.FlagOnly(cmd.Flags(), "prune", "unsigned")
	return cmd
}

func (c *webhooksCmd) deleteCommand() *cobra.Command {
	var all, foreign bool
	cmd := &cobra.Command{
		Use:   "delete (ID... | --all-managed)",
		Short: "Delete managed webhooks by id, or all of them",
		Args: func(_ *cobra.Command, args []string) error {
			if all == (len(args) > 0) {
				return errors.New("name the webhooks by id, or use --all-managed")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if per, err := c.perBot(); err != nil {
				return err
			} else if per {
				return c.deleteBots(cmd, args, all, foreign)
			}
			ctx, cancel := c.tool.Context(cmd.Context())
			defer cancel()
			m, closeNATS, err := c.manager(ctx, cmd)
			if err != nil {
				return err
			}
			defer closeNATS()
			var gone []webhooks.Hook
			if all {
				gone, err = m.DeleteManaged(ctx)
			} else {
				gone, err = m.Delete(ctx, args, foreign)
			}
			if c.tool.Output.JSON() {
				if perr := output.PrintJSON(cmd.OutOrStdout(), gone); perr != nil {
					return perr
				}
				return err
			}
			for _, h := range gone {
				fmt.Fprintf(cmd.OutOrStdout(), "deleted %s (%s, %s/%s)\n", h.ID, h.Name, h.Resource, h.Event)
			}
			if err == nil && len(gone) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "no managed webhooks")
			}
			return err
		},
	}
	c.wh.AddPrefixFlag(cmd.Flags())
	cmd.Flags().BoolVar(&all, "all-managed", false, "delete every webhook with the managed name prefix")
	cmd.Flags().BoolVar(&foreign, "foreign", false, "also delete webhooks named by id that webexpipe does not manage")
	process.FlagOnly(cmd.Flags(), "all-managed", "foreign")
	return cmd
}
