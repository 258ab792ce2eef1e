package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/internal/shipped"
	"github.com/webexpipe/webexpipe/cmd/internal/shipped/cardsworker"
	"github.com/webexpipe/webexpipe/cmd/internal/shipped/echoworker"
	"github.com/webexpipe/webexpipe/cmd/internal/shipped/retryworker"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/cmd/workerkit"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/ingest"
	"github.com/webexpipe/webexpipe/workers"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// devOptions are the settings of `webexpipe dev`.
type devOptions struct {
	logs      process.LogOptions
	nats      process.NATSOptions
	ingest    app.IngestOptions
	worker    workerkit.WorkerOptions
	echo      echoworker.Options
	cards     cardsworker.Options
	retry     retryworker.Options
	debug     process.DebugOptions
	console   consoleOptions
	dataDir   string
	natsPort  int
	simAddr   string
	publicURL string
	// bots are the emulator's bots beside its first, each ID or ID:TOKEN
	// (as sim serve --bot takes them): dev mode serves them all.
	bots []string
}

func devCommand() *cobra.Command {
	var o devOptions
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the whole pipeline in one process: embedded JetStream, ingest, the echo, cards and retry workers and (without WEBEX_TOKEN) the Webex emulator",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := o.logs.Logger(os.Stderr)
			if err != nil {
				return err
			}
			return runDev(cmd.Context(), o, log, cmd.OutOrStdout())
		},
	}
	o.addFlags(cmd.Flags())
	return cmd
}

// devListenAddr is where dev mode's ingest listens unless LISTEN_ADDR or
// --listen-addr says otherwise: loopback only, unlike the ingest binary.
const devListenAddr = "127.0.0.1:8080"

func (o *devOptions) addFlags(fs *pflag.FlagSet) {
	o.logs.AddFlags(fs)
	o.nats.AddFlags(fs)
	o.ingest.AddFlags(fs)
	// Dev mode runs the echo, cards and retry workers: every group of
	// worker settings applies but the listeners, which are its own.
	o.worker.RuntimeOptions.AddFlags(fs)
	o.worker.EventOptions.AddFlags(fs)
	o.worker.Webex.AddFlags(fs)
	o.worker.Calls.AddFlags(fs)
	o.worker.Calls.AddOutboxFlag(fs)
	o.echo.AddFlags(fs)
	o.cards.AddFlags(fs)
	o.retry.AddFlags(fs)
	o.debug.AddFlags(fs)
	o.console.addFlags(fs, "", "address of the operations view, e.g. 127.0.0.1:8070 (see the README); empty: off")
	fs.StringVar(&o.dataDir, "data-dir", "./data", "where the embedded JetStream server keeps its files")
	fs.IntVar(&o.natsPort, "nats-port", 4222, "port of the embedded NATS server on 127.0.0.1 (-1: any free port)")
	fs.StringVar(&o.simAddr, "sim-addr", defaultSimAddr, "address of the Webex emulator (used when no Webex token is set)")
	fs.StringVar(&o.publicURL, "public-url", "", "with a real Webex token: the public URL Webex reaches ingest at; the webhooks are registered there")
	fs.StringSliceVar(&o.bots, "bot", nil, "more emulator bots to serve beside the first (bot default), each ID or ID:TOKEN (repeat, or comma-separated); each gets its own webhooks at <ingest>/<ID> and its own secret")
	process.SetEnvNames(fs, "bot", "SIM_BOTS")
	// A different default, not a value: fs.Set would mark the flag as
	// given, and LISTEN_ADDR (read only for flags not given) would be
	// ignored.
	f := fs.Lookup("listen-addr")
	f.DefValue = devListenAddr
	_ = f.Value.Set(devListenAddr) // a string flag takes any value
}

func runDev(ctx context.Context, o devOptions, log *slog.Logger, out io.Writer) error {
	d := &devMode{o: o, log: log}
	defer d.closers.close()
	steps := []func(context.Context) error{
		d.resolveToken, d.startDebug, d.startNATS, d.startWebex, d.registerBots, d.startIngest, d.startWorkers, d.ensureWebhooks,
		d.startConsole,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return errors.Join(err, d.services.stop())
		}
	}
	d.printNextSteps(out)
	err := d.services.wait(ctx)
	log.Info("webexpipe dev stopped")
	return err
}

// devMode is one run of `webexpipe dev`: what its steps set up, in order.
type devMode struct {
	o   devOptions
	log *slog.Logger

	closers  closers  // undone at the end, the last first
	services services // ingest, then the workers

	token    string // the Webex token; "" until the emulator gives one
	emulated bool   // no token was given: the emulator stands in for Webex
	srv      *localnats.Server
	nc       *nats.Conn
	js       jetstream.JetStream
	sim      *emulator.Server // nil with a real token
	client   *webex.Client    // the bot default's
	bots     *bots.Registry   // the bots served: default, and --bot's
	reg      *prometheus.Registry
	ingest   string // ingest's webhook URL
	console  string // the operations view's URL; "" when off
}

func (d *devMode) resolveToken(context.Context) error {
	token, err := d.o.worker.Webex.ResolveToken()
	d.token, d.emulated = token, token == ""
	if err == nil && !d.emulated && len(d.o.bots) > 0 {
		err = errors.New("--bot adds bots to the Webex emulator: unset WEBEX_TOKEN to use it (a deployment of real bots takes BOTS_FILE)")
	}
	return err
}

func (d *devMode) startDebug(context.Context) error {
	stop, err := d.o.debug.Start(d.log)
	if err != nil {
		return err
	}
	d.closers.add(stop)
	return nil
}

// startNATS starts the embedded JetStream server and connects to it.
func (d *devMode) startNATS(ctx context.Context) error {
	srv, err := localnats.Start(localnats.Config{Port: d.o.natsPort, StoreDir: filepath.Join(d.o.dataDir, "jetstream")})
	if err != nil {
		return fmt.Errorf("embedded NATS (is another `webexpipe dev` running? try --nats-port -1): %w", err)
	}
	d.srv = srv
	d.closers.add(srv.Shutdown)
	d.o.nats.URL = srv.ClientURL()
	d.o.nats.NoReconnectBuffer = true // ingest's rule; the workers' acks are redelivered if lost
	sh, err := d.o.sharding()
	if err != nil {
		return err
	}
	d.o.nats.Streams.Sharding = sh
	d.o.ingest.Shards = sh.Shards
	d.nc, d.js, err = process.Connect(ctx, d.o.nats, "webexpipe-dev", d.log)
	if err != nil {
		return err
	}
	d.closers.add(func() { process.Drain(d.nc, d.log) })
	// A data dir kept from a run with another EVENTS_SHARDS holds event
	// streams the provisioning above cannot reshape (fewer shards).
	return app.CheckShards(ctx, d.js, sh)
}

// sharding is how dev mode splits the events over streams: its ingest
// stores them on PARTITIONS partitions and its workers read them, so with
// more than one shard WORKER_PARTITIONS must say the same.
func (o devOptions) sharding() (events.Sharding, error) {
	ws := o.worker.Sharding()
	sh := events.Sharding{Shards: ws.Shards, Partitions: o.ingest.Partitions}
	if sh.Shards > 1 && ws.Partitions != sh.Partitions {
		return sh, fmt.Errorf("EVENTS_SHARDS=%d: WORKER_PARTITIONS=%d must equal PARTITIONS=%d, or the workers look for events in the wrong shards",
			sh.Shards, ws.Partitions, sh.Partitions)
	}
	return sh, sh.Validate()
}

// startWebex makes the Webex client: of the emulator unless a real token
// is given. The emulator's state lives beside the JetStream store: the
// stored events name its messages, rooms and people, so both must survive a
// restart together (and removing the data dir resets both).
func (d *devMode) startWebex(context.Context) error {
	if d.emulated {
		opts := emulator.Options{Logger: d.log.With("component", "emulator")}
		for _, v := range d.o.bots {
			spec, err := parseBotSpec(v)
			if err != nil {
				return err
			}
			opts.Bots = append(opts.Bots, spec)
		}
		sim, err := emulator.Load(filepath.Join(d.o.dataDir, emulatorStateFile), opts)
		if err != nil {
			return err
		}
		d.closers.add(func() {
			if err := sim.Close(); err != nil {
				d.log.Error("Webex emulator: its last state was not saved", "err", err)
			}
		})
		if err := sim.Start(d.o.simAddr); err != nil {
			return fmt.Errorf("Webex emulator on %s: %w", d.o.simAddr, err)
		}
		d.sim = sim
		d.o.worker.Webex.APIURL = sim.URL()
		d.token = sim.Token()
	}
	client, err := webex.New(webex.Config{BaseURL: d.o.worker.Webex.APIURL, Token: d.token, Timeout: d.o.worker.Webex.Timeout, UserAgent: "webexpipe-dev"})
	d.client = client
	return err
}

// registerBots makes the registry of the bots dev mode serves. With a real
// token it is the one bot of the single-bot settings. With the emulator it
// is each of the emulator's bots, with its token; the first, default, is
// checked with the webhook secrets given, if any, and every other bot with
// a fresh random secret of its own (none with INSECURE_SKIP_SIGNATURE).
func (d *devMode) registerBots(context.Context) error {
	in := d.o.ingest
	if !d.emulated {
		r, err := bots.Single(bots.SingleSettings{Token: d.token, Secrets: in.Secrets, SecretFile: in.SecretFile})
		d.bots = r
		return err
	}
	given, err := in.ResolveSecrets()
	if err != nil {
		return err
	}
	vars := map[string]string{}
	var doc strings.Builder
	doc.WriteString("bots:\n")
	for i, b := range d.sim.Bots() {
		var secrets []string
		switch {
		case b.ID == bots.DefaultBotID && len(given) > 0:
			for _, g := range given {
				secrets = append(secrets, string(g))
			}
		case !in.Insecure:
			secrets = []string{randomSecret()}
		}
		token, secret := fmt.Sprintf("DEV_TOKEN_%d", i), fmt.Sprintf("DEV_SECRET_%d", i)
		vars[token] = b.Token
		fmt.Fprintf(&doc, "  - id: %s\n    token_env: %s\n    webhooks:\n      - resources: [messages/created, attachmentActions/created]\n", b.ID, token)
		if len(secrets) > 0 {
			vars[secret] = strings.Join(secrets, ",")
			fmt.Fprintf(&doc, "        secret_env: %s\n", secret)
		}
	}
	r, err := bots.Parse([]byte(doc.String()), bots.Options{Unsigned: in.Insecure, LookupEnv: func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}})
	if err != nil {
		return fmt.Errorf("the emulator's bots: %w", err)
	}
	d.bots = r
	return nil
}

// startIngest serves ingest. With the emulator, a fresh random secret
// signs the webhooks unless one is given.
func (d *devMode) startIngest(context.Context) error {
	d.reg = process.NewRegistry()
	if err := process.RegisterNATSConnected(d.reg, d.nc); err != nil {
		return err
	}
	in := d.o.ingest
	in.Registry, in.Secrets, in.SecretFile = d.bots, nil, ""
	if in.SpoolDir == "" {
		in.SpoolDir = filepath.Join(d.o.dataDir, "spool")
	}
	icfg, err := in.Config(d.log.With("component", "ingest"), d.reg)
	if err != nil {
		return err
	}
	svc, err := ingest.New(icfg, d.nc, d.js)
	if err != nil {
		return err
	}
	d.closers.add(func() { svc.Close() })
	ln, err := net.Listen("tcp", in.Addr)
	if err != nil {
		return fmt.Errorf("ingest on %s: %w", in.Addr, err)
	}
	d.ingest = "http://" + loopbackAddr(ln.Addr()) + icfg.Path
	d.services.start(context.Background(), "ingest", func(ctx context.Context) error {
		return svc.Serve(ctx, ln, ingest.ServerConfig{})
	})
	return nil
}

// startWorkers runs the echo, cards and retry workers and returns once
// their consumers exist: each starts at new events, so none may arrive
// before.
func (d *devMode) startWorkers(ctx context.Context) error {
	// Each worker type gets one runner per bot, the bots of a type sharing
	// its WORKER_CONCURRENCY handlers, as in the worker binaries.
	builds := []func([]workerkit.BotSetup) ([]*workers.Runner, error){
		func(s []workerkit.BotSetup) ([]*workers.Runner, error) {
			return echoworker.NewBots(d.js, s, d.o.echo, d.o.worker, d.log, d.reg)
		},
		func(s []workerkit.BotSetup) ([]*workers.Runner, error) {
			return cardsworker.NewBots(d.js, s, d.o.cards, d.o.worker, d.log, d.reg)
		},
		func(s []workerkit.BotSetup) ([]*workers.Runner, error) {
			return retryworker.NewBots(ctx, d.js, s, d.o.retry, d.o.worker, d.log, d.reg)
		},
	}
	var runners []*workers.Runner
	for _, build := range builds {
		setups, err := d.o.worker.BotSetups(d.bots) // a handler pool per worker type
		if err != nil {
			return err
		}
		rs, err := build(setups)
		if err != nil {
			return err
		}
		runners = append(runners, rs...)
	}
	ended := make(chan struct{})
	d.services.start(context.Background(), "workers", func(ctx context.Context) error {
		defer close(ended)
		return workerkit.RunRunners(ctx, runners...)
	})
	for _, r := range runners {
		select {
		case <-r.Ready():
		case <-ended:
			return errors.New("the workers stopped while starting")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// ensureWebhooks makes the webhooks point at ingest (messages for echo,
// card submissions for the cards worker), at the public URL with a real
// token, and warns about any that cannot deliver.
func (d *devMode) ensureWebhooks(ctx context.Context) error {
	target := d.ingest
	if !d.emulated {
		target = d.o.publicURL
	}
	for _, b := range d.bots.Bots() {
		client, err := d.o.worker.Webex.ClientFor(b)
		if err != nil {
			return err
		}
		if target != "" {
			if err := d.ensureBotWebhooks(ctx, client, b, target); err != nil {
				return err
			}
		}
		webhooks.Warn(ctx, client, shipped.Events(), botLog(d.log, b.ID))
	}
	return nil
}

// ensureBotWebhooks registers b's webhooks: the bot default's at target,
// any other bot's at target/<id>, where ingest takes that bot's
// deliveries, each signed with the bot's first secret.
func (d *devMode) ensureBotWebhooks(ctx context.Context, client *webex.Client, b *bots.Bot, target string) error {
	if b.ID != bots.DefaultBotID {
		target = strings.TrimSuffix(target, "/") + "/" + b.ID
	}
	secret := ""
	if s := b.Secrets(); len(s) > 0 {
		secret = s[0].Reveal()
	}
	ectx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	rep, err := webhooks.Ensure(ectx, client, d.js, webhooks.Spec{
		TargetURL: target, Secret: secret, Unsigned: secret == "", Events: shipped.Events(),
	}, webhooks.Options{NamePrefix: devWebhookPrefix, Bot: b.ID, Logger: botLog(d.log, b.ID)})
	if err != nil {
		return fmt.Errorf("register the webhooks of bot %s: %w", b.ID, err)
	}
	for _, a := range rep.Actions {
		if a.Kind == webhooks.KindWaiting {
			d.log.Warn("a webhook is disabled on Webex and may be re-activated only later (the five-minute rule)",
				"bot", b.ID, "webhook", a.Name, "from", a.At)
		}
	}
	return nil
}

// botLog is log with the bot, for any bot but the default one.
func botLog(log *slog.Logger, bot string) *slog.Logger {
	if bot == bots.DefaultBotID {
		return log
	}
	return log.With("bot", bot)
}

// startConsole serves the operations view when --console-addr is given.
// It is stopped before the workers, as the ingest it sits beside.
func (d *devMode) startConsole(ctx context.Context) error {
	hooks := webhookLister(ctx, d.client, d.js, webhooks.Options{NamePrefix: devWebhookPrefix})
	s, err := startConsole(d.o.console, d.js, hooks, d.reg, d.log)
	if err != nil || s == nil {
		return err
	}
	d.console = s.url
	d.services.start(context.Background(), "console", func(ctx context.Context) error {
		<-ctx.Done()
		s.stop()
		return nil
	})
	return nil
}

func (d *devMode) printNextSteps(out io.Writer) {
	simURL := ""
	if d.sim != nil {
		simURL = d.sim.URL()
	}
	printNextSteps(out, d.ingest, d.o, simURL, d.srv.ClientURL(), d.console)
}

// emulatorStateFile is the emulator's state in the data dir.
const emulatorStateFile = "emulator.json"

// devWebhookPrefix names the webhooks dev mode manages on Webex.
const devWebhookPrefix = "webexpipe-dev"

// printNextSteps tells the developer what runs where and what to try;
// simURL is the emulator's API root, empty when Webex is real; consoleURL
// the operations view's, empty when it is off.
func printNextSteps(out io.Writer, ingestURL string, o devOptions, simURL, natsURL, consoleURL string) {
	fmt.Fprintln(out)
	fmt.Fprintln(out, "webexpipe dev is running.")
	fmt.Fprintf(out, "  ingest     %s  (also /healthz, /readyz, /metrics)\n", ingestURL)
	fmt.Fprintf(out, "  JetStream  %s  (data in %s)\n", natsURL, o.dataDir)
	if consoleURL != "" {
		fmt.Fprintf(out, "  console    %s  (the operations view)\n", consoleURL)
	}
	if simURL != "" {
		fmt.Fprintf(out, "  Webex      emulated at %s  (no WEBEX_TOKEN set)\n", simURL)
		fmt.Fprintf(out, "  page       %s/  (write to the bot, submit its cards, inject faults)\n", strings.TrimSuffix(simURL, "/v1"))
		fmt.Fprintln(out)
		fmt.Fprintln(out, "Next, in another terminal:")
		// The sim commands find the emulator at its default address; on
		// another one they must be told, or they reach nothing (or a
		// different `webexpipe dev`).
		run := "go run ./cmd/webexpipe"
		if base := strings.TrimSuffix(simURL, "/v1"); base != defaultSimURL {
			fmt.Fprintf(out, "  export SIM_URL=%s   # the emulator is not on its default address\n", base)
		}
		fmt.Fprintf(out, "  %s sim send \"hello\"     # a user writes to the bot; the echo reply is printed\n", run)
		fmt.Fprintf(out, "  %s sim send card       # the bot answers with a demo card; its message id is printed\n", run)
		fmt.Fprintf(out, "  %s sim click <id> action=demo name=Ana   # submit the card; the threaded answer is printed\n", run)
		for _, b := range o.bots {
			id, _, _ := strings.Cut(b, ":")
			fmt.Fprintf(out, "  %s sim send --bot %s \"hello\"   # the same, to bot %s (its webhooks post to %s/%s)\n", run, id, id, ingestURL, id)
		}
	} else {
		fmt.Fprintf(out, "  Webex      %s\n", o.worker.Webex.APIURL)
		if o.publicURL == "" {
			fmt.Fprintln(out, "\nNo --public-url given: no webhook was registered. Expose ingest publicly and pass")
			fmt.Fprintln(out, "--public-url https://<your host>"+o.ingest.Path+" (see the README).")
		} else {
			fmt.Fprintf(out, "  webhook    messages/created -> %s\n\nWrite to your bot in Webex.\n", o.publicURL)
		}
	}
	fmt.Fprintln(out, "Stop with Ctrl-C.")
}

// loopbackAddr turns a listener address into one a local client can dial.
func loopbackAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		_, port, _ := net.SplitHostPort(a.String())
		return net.JoinHostPort("127.0.0.1", port)
	}
	return net.JoinHostPort(tcp.IP.String(), strconv.Itoa(tcp.Port))
}

func randomSecret() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}
