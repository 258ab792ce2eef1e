package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ServerConfig sets the HTTP server around the Handler. Zero fields take the
// defaults below; Validate refuses negative ones.
type ServerConfig struct {
	// Addr is where ListenAndServe listens; default ":8080".
	Addr string
	// ReadHeaderTimeout bounds reading the request headers; default 5s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading the whole request; default 10s.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its headers to the end
	// of the answer. Keep it above Config.PublishTimeout so that a 503
	// still reaches the client; default 15s.
	WriteTimeout time.Duration
	// IdleTimeout bounds an idle keep-alive connection; default 60s.
	IdleTimeout time.Duration
	// ShutdownTimeout bounds the wait for in-flight requests once the
	// context is cancelled; default 10s.
	ShutdownTimeout time.Duration
	// MaxHeaderBytes bounds the request headers; default 64 KiB.
	MaxHeaderBytes int
}

// Validate reports the first negative setting.
func (sc ServerConfig) Validate() error {
	for name, d := range map[string]time.Duration{
		"read header timeout": sc.ReadHeaderTimeout, "read timeout": sc.ReadTimeout,
		"write timeout": sc.WriteTimeout, "idle timeout": sc.IdleTimeout,
		"shutdown timeout": sc.ShutdownTimeout,
	} {
		if d < 0 {
			return fmt.Errorf("%w: %s %s: want > 0", ErrInvalidConfig, name, d)
		}
	}
	if sc.MaxHeaderBytes < 0 {
		return fmt.Errorf("%w: max header bytes %d: want > 0", ErrInvalidConfig, sc.MaxHeaderBytes)
	}
	return nil
}

func (sc ServerConfig) withDefaults() ServerConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if sc.Addr == "" {
		sc.Addr = ":8080"
	}
	def(&sc.ReadHeaderTimeout, 5*time.Second)
	def(&sc.ReadTimeout, 10*time.Second)
	def(&sc.WriteTimeout, 15*time.Second)
	def(&sc.IdleTimeout, 60*time.Second)
	def(&sc.ShutdownTimeout, 10*time.Second)
	if sc.MaxHeaderBytes == 0 {
		sc.MaxHeaderBytes = 64 << 10
	}
	return sc
}

// newHTTPServer builds the http.Server; sc must have its defaults.
func (s *Service) newHTTPServer(sc ServerConfig) *http.Server {
	return &http.Server{
		Handler:           markHandled(s.Handler()),
		ConnContext:       connContext,
		ReadHeaderTimeout: sc.ReadHeaderTimeout,
		ReadTimeout:       sc.ReadTimeout,
		WriteTimeout:      sc.WriteTimeout,
		IdleTimeout:       sc.IdleTimeout,
		MaxHeaderBytes:    sc.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Serve answers requests on ln until ctx is cancelled, then shuts down
// gracefully: it stops accepting, lets in-flight requests finish within
// sc.ShutdownTimeout, and returns nil. Past that timeout it closes the
// remaining connections and returns an error wrapping ErrShutdownTimeout.
// Serve takes ownership of ln and closes it. Requests are not cancelled by
// ctx: a delivery being stored when shutdown begins is still answered.
func (s *Service) Serve(ctx context.Context, ln net.Listener, sc ServerConfig) error {
	if err := sc.Validate(); err != nil {
		_ = ln.Close()
		return err
	}
	sc = sc.withDefaults()
	if sc.WriteTimeout <= s.cfg.PublishTimeout {
		s.log.Warn("write timeout is not above the publish timeout; a 503 may not reach the client",
			"write_timeout", sc.WriteTimeout, "publish_timeout", s.cfg.PublishTimeout)
	}
	srv := s.newHTTPServer(sc)
	served := make(chan error, 1)
	wln := &watchedListener{Listener: ln, refused: s.serverRefused}
	go func() { served <- srv.Serve(wln) }()
	s.log.Info("ingest listening", "addr", ln.Addr().String(), "path", s.cfg.Path)

	// The forwarder outlives HTTP intake by a little: it stops after the
	// last request was answered, so nothing spooled during shutdown waits
	// for the next start longer than it must.
	fctx, stopForward := context.WithCancel(context.WithoutCancel(ctx))
	forwarded := make(chan error, 1)
	go func() { forwarded <- s.Forward(fctx) }()
	defer func() {
		stopForward()
		if err := <-forwarded; err != nil {
			s.log.Error("spool forwarder stopped", "error", err)
		}
	}()

	select {
	case err := <-served:
		return fmt.Errorf("ingest: serve: %w", err)
	case <-ctx.Done():
	}

	s.log.Info("ingest shutting down", "timeout", sc.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sc.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		s.log.Warn("ingest serve ended with an error during shutdown", "error", serr)
	}
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("%w after %s: %w", ErrShutdownTimeout, sc.ShutdownTimeout, err)
	}
	s.log.Info("ingest stopped")
	return nil
}

// ListenAndServe listens on sc.Addr and calls Serve.
func (s *Service) ListenAndServe(ctx context.Context, sc ServerConfig) error {
	sc = sc.withDefaults()
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", sc.Addr)
	if err != nil {
		return fmt.Errorf("ingest: listen %s: %w", sc.Addr, err)
	}
	return s.Serve(ctx, ln, sc)
}
