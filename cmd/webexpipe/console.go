package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/internal/app"
	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/admin/console"
	"github.com/webexpipe/webexpipe/workers/admin/status"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/webhooks"
)

// defaultConsoleAddr is where `webexpipe console` listens unless told
// otherwise: loopback only.
const defaultConsoleAddr = "127.0.0.1:8070"

// consoleOptions are the settings of the operations view, in dev mode
// (off unless --console-addr is given) and in `webexpipe console`.
type consoleOptions struct {
	addr      string
	tokenFile string
	write     bool
	// shards is EVENTS_SHARDS, registered by the command that runs the
	// view (0: one events stream).
	shards int
}

func (o *consoleOptions) addFlags(fs *pflag.FlagSet, addr, addrUsage string) {
	fs.StringVar(&o.addr, "console-addr", addr, addrUsage)
	fs.StringVar(&o.tokenFile, "console-token-file", "", "file holding the token the operations view requires (as a bearer token, or as the password of basic authentication); required for an address beyond loopback")
	fs.BoolVar(&o.write, "console-write", false, "let the operations view redrive dead letters; by default it only reads")
}

// token reads the token file; nil without one.
func (o consoleOptions) token() ([]byte, error) {
	if o.tokenFile == "" {
		return nil, nil
	}
	b, err := os.ReadFile(o.tokenFile)
	if err != nil {
		return nil, fmt.Errorf("CONSOLE_TOKEN_FILE: %w", err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return nil, fmt.Errorf("CONSOLE_TOKEN_FILE %s is empty", o.tokenFile)
	}
	return []byte(t), nil
}

// consoleServer is a running operations view.
type consoleServer struct {
	url  string
	srv  *http.Server
	done chan struct{}
}

// startConsole serves the operations view on o.addr until stop; it does
// nothing without an address. An address beyond loopback without a token
// is refused (console.ErrExposed).
func startConsole(o consoleOptions, js jetstream.JetStream, hooks status.WebhookLister, reg *prometheus.Registry, log *slog.Logger) (*consoleServer, error) {
	if o.addr == "" {
		return nil, nil
	}
	token, err := o.token()
	if err != nil {
		return nil, err
	}
	if err := console.CheckExposure(o.addr, token != nil); err != nil {
		return nil, fmt.Errorf("operations view on %s: %w: set --console-token-file (CONSOLE_TOKEN_FILE)", o.addr, err)
	}
	c, err := console.New(console.Config{JS: js, Webhooks: hooks, Token: token, Write: o.write,
		Logger: log.With("component", "console"), Metrics: reg, Sharding: events.Sharding{Shards: o.shards}})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return nil, fmt.Errorf("operations view on %s: %w", o.addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/", c.Handler())
	s := &consoleServer{
		url:  "http://" + loopbackAddr(ln.Addr()) + "/",
		srv:  &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("operations view", "err", err)
		}
	}()
	log.Info("operations view", "url", s.url, "write", o.write, "token", token != nil)
	return s, nil
}

// stop ends the server, waiting at most a few seconds for pages being
// written.
func (s *consoleServer) stop() {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		s.srv.Close()
	}
	<-s.done
}

// consoleCommand is `webexpipe console`: the operations view on its own,
// for a deployment.
func consoleCommand() *cobra.Command {
	var (
		logs process.LogOptions
		nats process.NATSOptions
		wx   process.WebexOptions
		wh   app.WebhookOptions
		opts consoleOptions
	)
	cmd := &cobra.Command{
		Use:   "console",
		Short: "Serve the operations view: streams, worker backlogs, pauses, webhooks and dead letters in a browser (read-only unless --console-write)",
		Long: "The webhooks are listed when a Webex token is set (WEBEX_TOKEN or WEBEX_TOKEN_FILE). The view listens on\n" +
			"loopback by default; any other address needs --console-token-file.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := logs.Logger(os.Stderr)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			n := nats
			n.Provision = false // a viewer never declares streams
			nc, js, err := process.Connect(ctx, n, "webexpipe-console", log)
			if err != nil {
				return err
			}
			defer process.Drain(nc, log)
			hooks, err := consoleWebhooks(ctx, wx, wh, js)
			if err != nil {
				return err
			}
			s, err := startConsole(opts, js, hooks, process.NewRegistry(), log)
			if err != nil {
				return err
			}
			if s == nil {
				return errors.New("--console-addr is empty: nothing to serve")
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Operations view at %s. Stop with Ctrl-C.\n", s.url)
			<-ctx.Done()
			s.stop()
			return nil
		},
	}
	fs := cmd.Flags()
	logs.AddFlags(fs)
	nats.AddFlags(fs)
	wx.AddFlags(fs)
	wh.AddPrefixFlag(fs)
	opts.addFlags(fs, defaultConsoleAddr, "address of the operations view (loopback by default; another needs --console-token-file)")
	process.AddShardsFlag(fs, &opts.shards)
	// A viewer never declares streams.
	for _, name := range []string{"provision", "stream-replicas", "stream-storage", "events-max-age", "events-max-bytes", "events-compression", "duplicate-window", "dlq-max-age", "processed-ttl"} {
		_ = fs.MarkHidden(name)
	}
	return cmd
}

// consoleWebhooks lists the webhooks on Webex when a token is set, as
// `webexpipe status` does; nil without a token.
func consoleWebhooks(ctx context.Context, wx process.WebexOptions, wh app.WebhookOptions, js jetstream.JetStream) (status.WebhookLister, error) {
	token, err := wx.ResolveToken()
	if err != nil || token == "" {
		return nil, err
	}
	client, err := wx.Client()
	if err != nil {
		return nil, err
	}
	return webhookLister(ctx, client, js, wh.ManagerOptions(nil)), nil
}

// webhookLister opens the webhook manager; one that cannot be opened
// reports why in the view, with the other sections that could not be read.
func webhookLister(ctx context.Context, client *webex.Client, js jetstream.JetStream, o webhooks.Options) status.WebhookLister {
	m, err := webhooks.Open(ctx, client, js, o)
	if err != nil {
		return status.WebhookListerFunc(func(context.Context) ([]webhooks.Hook, error) { return nil, err })
	}
	return m
}
