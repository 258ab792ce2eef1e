package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/internal/shipped"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/cmd/workerkit"
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
	webex     process.WebexOptions
	ingest    app.IngestOptions
	worker    workerkit.WorkerOptions
	echo      shipped.EchoOptions
	cards     shipped.CardsOptions
	retry     shipped.RetryOptions
	debug     process.DebugOptions
	dataDir   string
	natsPort  int
	simAddr   string
	publicURL string
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
	o.webex.AddFlags(fs)
	o.ingest.AddFlags(fs)
	o.worker.AddFlags(fs, "-")
	o.echo.AddFlags(fs)
	o.cards.AddFlags(fs)
	o.retry.AddFlags(fs)
	o.debug.AddFlags(fs)
	fs.StringVar(&o.dataDir, "data-dir", "./data", "where the embedded JetStream server keeps its files")
	fs.IntVar(&o.natsPort, "nats-port", 4222, "port of the embedded NATS server on 127.0.0.1 (-1: any free port)")
	fs.StringVar(&o.simAddr, "sim-addr", defaultSimAddr, "address of the Webex emulator (used when no Webex token is set)")
	fs.StringVar(&o.publicURL, "public-url", "", "with a real Webex token: the public URL Webex reaches ingest at; the webhooks are registered there")
	// A different default, not a value: fs.Set would mark the flag as
	// given, and LISTEN_ADDR (read only for flags not given) would be
	// ignored.
	f := fs.Lookup("listen-addr")
	f.DefValue = devListenAddr
	_ = f.Value.Set(devListenAddr) // a string flag takes any value
}

func runDev(ctx context.Context, o devOptions, log *slog.Logger, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	token, err := o.webex.ResolveToken()
	if err != nil {
		return err
	}
	emulated := token == ""
	stopDebug, err := o.debug.Start(log)
	if err != nil {
		return err
	}
	defer stopDebug()

	// JetStream, embedded.
	srv, err := localnats.Start(localnats.Config{Port: o.natsPort, StoreDir: filepath.Join(o.dataDir, "jetstream")})
	if err != nil {
		return fmt.Errorf("embedded NATS (is another `webexpipe dev` running? try --nats-port -1): %w", err)
	}
	defer srv.Shutdown()
	o.nats.URL = srv.ClientURL()
	o.nats.NoReconnectBuffer = true // ingest's rule; the workers' acks are redelivered if lost
	nc, js, err := process.Connect(ctx, o.nats, "webexpipe-dev", log)
	if err != nil {
		return err
	}
	defer process.Drain(nc, log)

	// Webex: the emulator unless a real token is given.
	var sim *emulator.Server
	if emulated {
		// The emulator's state lives beside the JetStream store: the
		// stored events name its messages, rooms and people, so both must
		// survive a restart together (and `rm -rf` of the data dir resets
		// both).
		sim, err = emulator.Load(filepath.Join(o.dataDir, emulatorStateFile), emulator.Options{Logger: log.With("component", "emulator")})
		if err != nil {
			return err
		}
		defer func() {
			if err := sim.Close(); err != nil {
				log.Error("Webex emulator: its last state was not saved", "err", err)
			}
		}()
		if err := sim.Start(o.simAddr); err != nil {
			return fmt.Errorf("Webex emulator on %s: %w", o.simAddr, err)
		}
		o.webex.APIURL = sim.URL()
		token = sim.Token()
	}
	client, err := webex.New(webex.Config{BaseURL: o.webex.APIURL, Token: token, Timeout: o.webex.Timeout, UserAgent: "webexpipe-dev"})
	if err != nil {
		return err
	}

	// Ingest. With the emulator, a fresh random secret signs the webhooks.
	reg := process.NewRegistry()
	if emulated && len(o.ingest.Secrets) == 0 && o.ingest.SecretFile == "" && !o.ingest.Insecure {
		o.ingest.Secrets = []string{randomSecret()}
	}
	if o.ingest.SpoolDir == "" {
		o.ingest.SpoolDir = filepath.Join(o.dataDir, "spool")
	}
	icfg, err := o.ingest.Config(log.With("component", "ingest"), reg)
	if err != nil {
		return err
	}
	svc, err := ingest.New(icfg, nc, js)
	if err != nil {
		return err
	}
	defer svc.Close()
	ln, err := net.Listen("tcp", o.ingest.Addr)
	if err != nil {
		return fmt.Errorf("ingest on %s: %w", o.ingest.Addr, err)
	}
	ingestURL := "http://" + loopbackAddr(ln.Addr()) + icfg.Path
	ingestDone := make(chan error, 1)
	go func() { ingestDone <- svc.Serve(ctx, ln, ingest.ServerConfig{}) }()

	// Workers.
	echoRunner, err := shipped.NewEcho(js, client, o.echo, o.worker, log, reg)
	if err != nil {
		return err
	}
	cardsRunner, err := shipped.NewCards(js, client, o.cards, o.worker, log, reg)
	if err != nil {
		return err
	}
	retryRunner, err := shipped.NewRetry(ctx, js, client, o.retry, o.worker, log, reg)
	if err != nil {
		return err
	}
	runners := []*workers.Runner{echoRunner, cardsRunner, retryRunner}
	workersDone := make(chan error, 1)
	go func() { workersDone <- workerkit.RunRunners(ctx, runners...) }()
	// Each consumer starts at new events: let them exist before any arrive.
	for _, r := range runners {
		select {
		case <-r.Ready():
		case err := <-workersDone:
			cancel()
			<-ingestDone
			return fmt.Errorf("workers: %w", err)
		case <-ctx.Done():
		}
	}

	// The webhooks, pointing at ingest: messages for echo, card
	// submissions for the cards worker.
	target := ingestURL
	if !emulated {
		target = o.publicURL
	}
	if target != "" {
		secret := ""
		if len(icfg.Secrets) > 0 {
			secret = string(icfg.Secrets[0])
		}
		ectx, cancelEnsure := context.WithTimeout(ctx, time.Minute)
		rep, err := webhooks.Ensure(ectx, client, js, webhooks.Spec{
			TargetURL: target, Secret: secret, Unsigned: secret == "", Events: shipped.Events(),
		}, webhooks.Options{NamePrefix: devWebhookPrefix, Logger: log})
		cancelEnsure()
		if err != nil {
			cancel()
			<-ingestDone
			<-workersDone
			return fmt.Errorf("register the webhooks: %w", err)
		}
		for _, a := range rep.Actions {
			if a.Kind == webhooks.KindWaiting {
				log.Warn("a webhook is disabled on Webex and may be re-activated only later (the five-minute rule)",
					"webhook", a.Name, "from", a.At)
			}
		}
	}
	app.CheckWebhooks(ctx, client, shipped.Events(), log)
	simURL := ""
	if sim != nil {
		simURL = sim.URL()
	}
	printNextSteps(out, ingestURL, o, simURL, srv.ClientURL())

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-ingestDone:
		ingestDone <- nil
	case runErr = <-workersDone:
		workersDone <- nil
	}
	// Ordered shutdown: stop taking webhooks, let the workers drain, then
	// the deferred emulator, NATS connection and server stop in turn.
	cancel()
	if err := <-ingestDone; err != nil && runErr == nil {
		runErr = err
	}
	if err := <-workersDone; err != nil && runErr == nil {
		runErr = err
	}
	log.Info("webexpipe dev stopped")
	return runErr
}

// emulatorStateFile is the emulator's state in the data dir.
const emulatorStateFile = "emulator.json"

// devWebhookPrefix names the webhooks dev mode manages on Webex.
const devWebhookPrefix = "webexpipe-dev"

// printNextSteps tells the developer what runs where and what to try;
// simURL is the emulator's API root, empty when Webex is real.
func printNextSteps(out io.Writer, ingestURL string, o devOptions, simURL, natsURL string) {
	fmt.Fprintln(out)
	fmt.Fprintln(out, "webexpipe dev is running.")
	fmt.Fprintf(out, "  ingest     %s  (also /healthz, /readyz, /metrics)\n", ingestURL)
	fmt.Fprintf(out, "  JetStream  %s  (data in %s)\n", natsURL, o.dataDir)
	if simURL != "" {
		fmt.Fprintf(out, "  Webex      emulated at %s  (no WEBEX_TOKEN set)\n", simURL)
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
	} else {
		fmt.Fprintf(out, "  Webex      %s\n", o.webex.APIURL)
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
