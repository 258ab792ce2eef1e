package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/spf13/cobra"

	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/internal/output"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/recovery"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// With a registry (BOTS_FILE) the webhooks commands act for each chosen
// bot: with its token, its target URL, its registrations' resources and
// secrets. Without one they act for the one bot of the single-bot
// settings, as they always did.

// perBot reports whether the command acts for the bots of a registry. A
// --bot without one may only name the one bot, default.
func (c *webhooksCmd) perBot() (bool, error) {
	if c.choice.Registry.File != "" {
		return true, nil
	}
	_, err := c.choice.Named()
	return false, err
}

// botHooks is one bot's webhook manager.
type botHooks struct {
	bot    *bots.Bot
	client *webex.Client
	m      *webhooks.Manager
}

// botManagers loads the registry (with the secrets when secrets is set:
// ensure and watch register them), connects to NATS once and opens a
// manager per chosen bot, with its token.
func (c *webhooksCmd) botManagers(ctx context.Context, cmd *cobra.Command, secrets bool) ([]botHooks, *webhooksConn, error) {
	choice := c.choice
	choice.Registry.SkipSecrets = !secrets
	chosen, err := choice.Bots(c.webex.Single())
	if err != nil {
		return nil, nil, err
	}
	nc, js, err := c.tool.Connect(ctx, "webexpipe-webhooks", cmd.ErrOrStderr())
	if err != nil {
		return nil, nil, err
	}
	log, err := c.logs.Logger(os.Stderr)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	conn := &webhooksConn{js: js, nc: nc, log: log}
	var out []botHooks
	for _, b := range chosen {
		client, err := c.webex.ClientFor(b)
		if err != nil {
			nc.Close()
			return nil, nil, err
		}
		mo := c.wh.ManagerOptions(log.With("bot", b.ID))
		mo.Bot = b.ID
		m, err := webhooks.Open(ctx, client, js, mo)
		if err != nil {
			nc.Close()
			return nil, nil, fmt.Errorf("bot %s: %w", b.ID, err)
		}
		out = append(out, botHooks{bot: b, client: client, m: m})
	}
	return out, conn, nil
}

// botTarget is where Webex delivers b's webhooks: its target_url, else
// WEBHOOK_TARGET with the bot's id as one more path segment (ingest serves
// <path>/<bot>); the default bot's is WEBHOOK_TARGET itself.
func (c *webhooksCmd) botTarget(b *bots.Bot) (string, error) {
	switch {
	case b.TargetURL != "":
		return b.TargetURL, nil
	case c.wh.Target == "":
		return "", fmt.Errorf("bot %s: no target_url in the registry and no --target (WEBHOOK_TARGET)", b.ID)
	case b.ID == events.DefaultBot:
		return c.wh.Target, nil
	}
	return strings.TrimRight(c.wh.Target, "/") + "/" + b.ID, nil
}

// botSpecs are the desired sets of b: one per registration that names its
// resources, signed with that registration's first secret (the new one
// while rotating); a bot whose registrations name none wants
// --resources (WEBHOOK_RESOURCES), signed with its first secret.
func (c *webhooksCmd) botSpecs(b *bots.Bot, unsigned, prune bool) ([]webhooks.Spec, error) {
	target, err := c.botTarget(b)
	if err != nil {
		return nil, err
	}
	first := func(ss []bots.Secret) string {
		if len(ss) == 0 {
			return ""
		}
		return ss[0].Reveal()
	}
	var specs []webhooks.Spec
	for _, w := range b.Webhooks {
		if len(w.Resources) > 0 {
			specs = append(specs, webhooks.Spec{TargetURL: target, Secret: first(w.Secrets), Unsigned: unsigned, Events: w.Resources, Filter: c.wh.Filter})
		}
	}
	if len(specs) == 0 {
		wanted, err := c.wh.Wanted()
		if err != nil {
			return nil, err
		}
		specs = append(specs, webhooks.Spec{TargetURL: target, Secret: first(b.Secrets()), Unsigned: unsigned, Events: wanted, Filter: c.wh.Filter})
	}
	if prune && len(specs) > 1 {
		return nil, fmt.Errorf("bot %s: --prune needs the bot's webhooks in one registration; it has %d with resources of their own", b.ID, len(specs))
	}
	for i := range specs {
		specs[i].Prune = prune
		if err := specs[i].Validate(); err != nil {
			return nil, fmt.Errorf("bot %s: %w", b.ID, err)
		}
	}
	return specs, nil
}

// botWanted are the resource/event pairs b must have a webhook for.
func (c *webhooksCmd) botWanted(b *bots.Bot) ([]events.ResourceEvent, error) {
	if res := b.Resources(); len(res) > 0 {
		return res, nil
	}
	return c.wh.Wanted()
}

// ensureBots runs ensure for every chosen bot. A bot that fails does not
// keep the others from being ensured; the errors are joined.
func (c *webhooksCmd) ensureBots(cmd *cobra.Command, unsigned, prune bool) error {
	ctx, cancel := c.tool.Context(cmd.Context())
	defer cancel()
	hs, conn, err := c.botManagers(ctx, cmd, !unsigned)
	if err != nil {
		return err
	}
	defer conn.nc.Close()
	type botReport struct {
		Bot     string             `json:"bot"`
		Reports []*webhooks.Report `json:"reports"`
		Error   string             `json:"error,omitempty"`
	}
	var all []botReport
	var errs []error
	for _, h := range hs {
		r := botReport{Bot: h.bot.ID}
		specs, err := c.botSpecs(h.bot, unsigned, prune)
		for _, spec := range specs {
			if err != nil {
				break
			}
			var rep *webhooks.Report
			rep, err = h.m.Ensure(ctx, spec)
			if rep != nil {
				r.Reports = append(r.Reports, rep)
				if err == nil {
					err = rep.Err()
				}
			}
		}
		if err != nil {
			r.Error = err.Error()
			errs = append(errs, fmt.Errorf("bot %s: %w", h.bot.ID, err))
		}
		all = append(all, r)
		if c.tool.Output.JSON() {
			continue
		}
		fmt.Fprintf(cmd.OutOrStdout(), "bot %s:\n", h.bot.ID)
		for _, rep := range r.Reports {
			if perr := printEnsureReport(cmd.OutOrStdout(), rep); perr != nil {
				return perr
			}
		}
	}
	if c.tool.Output.JSON() {
		if perr := output.PrintJSON(cmd.OutOrStdout(), all); perr != nil {
			return perr
		}
	}
	return errors.Join(errs...)
}

// listBots lists the webhooks of every chosen bot.
func (c *webhooksCmd) listBots(cmd *cobra.Command) error {
	ctx, cancel := c.tool.Context(cmd.Context())
	defer cancel()
	hs, conn, err := c.botManagers(ctx, cmd, false)
	if err != nil {
		return err
	}
	defer conn.nc.Close()
	type botHookList struct {
		Bot   string          `json:"bot"`
		Hooks []webhooks.Hook `json:"hooks"`
	}
	var all []botHookList
	for _, h := range hs {
		hooks, err := h.m.List(ctx)
		if err != nil {
			return fmt.Errorf("bot %s: %w", h.bot.ID, err)
		}
		all = append(all, botHookList{Bot: h.bot.ID, Hooks: hooks})
	}
	if c.tool.Output.JSON() {
		return output.PrintJSON(cmd.OutOrStdout(), all)
	}
	for _, l := range all {
		fmt.Fprintf(cmd.OutOrStdout(), "bot %s:\n", l.Bot)
		if len(l.Hooks) == 0 {
			fmt.Fprintln(cmd.OutOrStdout(), "no webhooks")
			continue
		}
		if err := printHooks(cmd.OutOrStdout(), l.Hooks); err != nil {
			return err
		}
	}
	return nil
}

// deleteBots deletes webhooks of the chosen bots: every managed one, or
// those named by id, which must be one bot's (--bot, when the registry has
// more than one).
func (c *webhooksCmd) deleteBots(cmd *cobra.Command, ids []string, all, foreign bool) error {
	ctx, cancel := c.tool.Context(cmd.Context())
	defer cancel()
	hs, conn, err := c.botManagers(ctx, cmd, false)
	if err != nil {
		return err
	}
	defer conn.nc.Close()
	if !all && len(hs) > 1 {
		return fmt.Errorf("a webhook id is one bot's: name it with --bot (one of %s)", strings.Join(botIDsOf(hs), ", "))
	}
	var gone []webhooks.Hook
	for _, h := range hs {
		var g []webhooks.Hook
		if all {
			g, err = h.m.DeleteManaged(ctx)
		} else {
			g, err = h.m.Delete(ctx, ids, foreign)
		}
		gone = append(gone, g...)
		for _, d := range g {
			if !c.tool.Output.JSON() {
				fmt.Fprintf(cmd.OutOrStdout(), "deleted %s (%s, %s/%s) of bot %s\n", d.ID, d.Name, d.Resource, d.Event, h.bot.ID)
			}
		}
		if err != nil {
			err = fmt.Errorf("bot %s: %w", h.bot.ID, err)
			break
		}
	}
	if c.tool.Output.JSON() {
		if perr := output.PrintJSON(cmd.OutOrStdout(), gone); perr != nil {
			return perr
		}
	} else if err == nil && len(gone) == 0 {
		fmt.Fprintln(cmd.ErrOrStderr(), "no managed webhooks")
	}
	return err
}

func botIDsOf(hs []botHooks) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.bot.ID
	}
	return out
}

// watchBots runs a watchdog for each chosen bot, in one process: each with
// its token and its desired set (with --target or the bot's target_url),
// its recovery storing onto its subjects, and its metrics labelled with
// its id (bot, bounded by the registry). It runs until ctx ends or a
// watchdog fails, which stops the others.
func (c *webhooksCmd) watchBots(cmd *cobra.Command, unsigned bool, rec *recoveryFlags, metricsAddr string) error {
	ctx, stop := context.WithCancel(cmd.Context())
	defer stop()
	hs, conn, err := c.botManagers(ctx, cmd, !unsigned)
	if err != nil {
		return err
	}
	defer conn.nc.Close()
	reg := process.NewRegistry()
	if err := process.RegisterNATSConnected(reg, conn.nc); err != nil {
		return err
	}
	if rec.on {
		if err := app.CheckShards(ctx, conn.js, events.Sharding{Shards: rec.o.Shards, Partitions: rec.o.Partitions}); err != nil {
			return err
		}
	}
	// The watchdogs print from their own goroutines.
	var mu sync.Mutex
	locked := func(fn func()) { mu.Lock(); defer mu.Unlock(); fn() }
	opts := make([]webhooks.WatchOptions, len(hs))
	for i, h := range hs {
		id := h.bot.ID
		breg := prometheus.WrapRegistererWith(prometheus.Labels{"bot": id}, reg)
		wanted, err := c.botWanted(h.bot)
		if err != nil {
			return fmt.Errorf("bot %s: %w", id, err)
		}
		o := webhooks.WatchOptions{Interval: c.wh.WatchInterval, Want: wanted, Metrics: breg}
		if c.wh.Target != "" || h.bot.TargetURL != "" {
			specs, err := c.botSpecs(h.bot, unsigned, false)
			if err != nil {
				return err
			}
			if len(specs) > 1 {
				return fmt.Errorf("bot %s: its registrations name resources of their own (%d): watch keeps one set; run `webexpipe webhooks ensure` for it, and watch without a target", id, len(specs))
			}
			o.Spec = &specs[0]
		}
		if rec.on {
			ro := rec.options(breg, conn.log.With("component", "recovery", "bot", id))
			ro.Bot = id
			ro.OnFinish = func(r recovery.Result) { locked(func() { printRecovery(cmd, id, r) }) }
			if c.tool.Output.JSON() {
				ro.OnFinish = func(r recovery.Result) { locked(func() { printRecoveryJSON(cmd, id, r) }) }
			}
			if o.Recovery, err = recovery.Open(ctx, conn.js, h.client, ro); err != nil {
				return fmt.Errorf("bot %s: %w", id, err)
			}
		}
		o.OnRound = func(rep *webhooks.Report, err error) { locked(func() { printWatchRound(cmd, id, rep, err) }) }
		if c.tool.Output.JSON() {
			o.OnRound = func(rep *webhooks.Report, err error) { locked(func() { printWatchRoundJSON(cmd, id, rep, err) }) }
		}
		opts[i] = o
	}
	if metricsAddr != "" {
		ops, err := process.StartOps(metricsAddr, reg, func() error { return nil }, conn.log)
		if err != nil {
			return err
		}
		defer ops.Close()
	}
	errs := make(chan error, len(hs))
	for i, h := range hs {
		go func() {
			err := h.m.Watch(ctx, opts[i])
			if err != nil {
				err = fmt.Errorf("bot %s: %w", h.bot.ID, err)
			}
			errs <- err
			stop()
		}()
	}
	var all []error
	for range hs {
		if err := <-errs; err != nil && !errors.Is(err, context.Canceled) {
			all = append(all, err)
		}
	}
	return errors.Join(all...)
}
