// Package localnats runs a nats-server with JetStream inside the current
// process, listening on loopback only. Dev mode uses it so that `make run`
// needs no outside service, and tests use it with a random port and a
// temporary store so they talk to a real JetStream.
package localnats

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Config chooses where the embedded server listens and stores its data.
type Config struct {
	// Host to listen on; default 127.0.0.1. Only loopback is intended.
	Host string
	// Port to listen on; 0 or -1 picks a free one.
	Port int
	// StoreDir is where JetStream keeps its files; required.
	StoreDir string
	// ServerName identifies the server in logs and cluster views; default "webexpipe-dev".
	ServerName string
	// Logs turns on the server's own log output (to stderr).
	Logs bool
	// StartTimeout bounds the wait for the server to accept connections; default 10s.
	StartTimeout time.Duration
}

// Server is a running embedded nats-server. It is safe for concurrent use.
type Server struct {
	ns *server.Server
}

// ErrNotReady means the server did not accept connections in time.
var ErrNotReady = errors.New("embedded nats-server not ready")

// Start starts the server and waits until it accepts connections. The
// caller must call Shutdown.
func Start(cfg Config) (*Server, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("localnats: StoreDir is required")
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.Port == 0 {
		cfg.Port = server.RANDOM_PORT
	}
	if cfg.ServerName == "" {
		cfg.ServerName = "webexpipe-dev"
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 10 * time.Second
	}
	opts := &server.Options{
		ServerName: cfg.ServerName,
		Host:       cfg.Host,
		Port:       cfg.Port,
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		NoSigs:     true, // the owning process handles signals
		NoLog:      !cfg.Logs,
		HTTPPort:   0,
	}
	return run(opts, cfg.Logs, cfg.StartTimeout)
}

// run starts a server with opts and waits until it accepts connections.
func run(opts *server.Options, logs bool, timeout time.Duration) (*Server, error) {
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("localnats: %w", err)
	}
	if logs {
		ns.ConfigureLogger()
	}
	ns.Start()
	if !ns.ReadyForConnections(timeout) {
		ns.Shutdown()
		return nil, fmt.Errorf("localnats: %w after %s", ErrNotReady, timeout)
	}
	return &Server{ns: ns}, nil
}

// ClientURL is the nats:// URL clients connect to.
func (s *Server) ClientURL() string { return s.ns.ClientURL() }

// Port is the port the server listens on, useful to restart it on the same
// address after Shutdown.
func (s *Server) Port() int {
	_, p, err := net.SplitHostPort(s.ns.Addr().String())
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}

// Shutdown stops the server and waits for it to finish.
func (s *Server) Shutdown() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}

// NATS exposes the underlying server for tests that need more control.
func (s *Server) NATS() *server.Server { return s.ns }
