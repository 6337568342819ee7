// Package server runs an HTTP handler as a container service: configuration
// from the environment, timeouts, bounded request bodies, one JSON log line
// per request, and a graceful shutdown on SIGTERM.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Defaults for the environment variables.
const (
	// DefaultPort is the port used when PORT is unset; the container port.
	DefaultPort = "8080"
	// DefaultShutdownTimeout is the drain limit used when SHUTDOWN_TIMEOUT
	// is unset. It is shorter than the ECS stop timeout (20 s), so the
	// process exits on its own before ECS sends SIGKILL.
	DefaultShutdownTimeout = 10 * time.Second
)

// Limits of the HTTP server.
const (
	readHeaderTimeout = 5 * time.Second
	// readTimeout bounds the reading of a request, body included. It need
	// not be below the shutdown timeout: a drain cuts off a body still
	// arriving at once (see readCutoff).
	readTimeout  = 10 * time.Second
	writeTimeout = 15 * time.Second
	// idleTimeout is longer than the ALB's idle timeout (60 s by default),
	// so the load balancer, not the target, closes idle keep-alive
	// connections; the other way round causes sporadic 502s.
	idleTimeout = 75 * time.Second
	// maxHeaderBytes matches the ALB's own limit on all request headers.
	maxHeaderBytes = 64 << 10
	// MaxBodyBytes bounds a request body; the API reads none.
	MaxBodyBytes = 64 << 10
)

// Config is the configuration of a service, read from the environment.
type Config struct {
	// Host is the address to listen on, from HOST (default "", every
	// interface, as a container needs). Local runs set 127.0.0.1.
	Host string
	// Port is the TCP port to listen on, from PORT (default DefaultPort).
	// "0" picks a free port, which the "listening" log line reports.
	Port string
	// ShutdownTimeout is how long a shutdown waits for in-flight requests,
	// from SHUTDOWN_TIMEOUT as a Go duration such as "10s" (default
	// DefaultShutdownTimeout).
	ShutdownTimeout time.Duration
}

// ConfigFromEnv reads the configuration with getenv (os.Getenv in
// production). An unset or empty variable takes its default.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{Port: DefaultPort, ShutdownTimeout: DefaultShutdownTimeout}
	if v := getenv("PORT"); v != "" {
		if _, err := net.LookupPort("tcp", v); err != nil {
			return Config{}, fmt.Errorf("PORT=%q: %w", v, err)
		}
		cfg.Port = v
	}
	if v := getenv("HOST"); v != "" {
		if net.ParseIP(v) == nil && v != "localhost" {
			return Config{}, fmt.Errorf("HOST=%q: want an IP address such as 127.0.0.1", v)
		}
		cfg.Host = v
	}
	if v := getenv("SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return Config{}, fmt.Errorf("SHUTDOWN_TIMEOUT=%q: want a positive duration such as 10s", v)
		}
		cfg.ShutdownTimeout = d
	}
	return cfg, nil
}

// Main runs the service named name with handler h until SIGTERM or SIGINT,
// then drains it (see Run) and returns; the process exits 0. A drain that
// ends because slow clients were cut off is a clean exit. Main logs and
// exits 1 when the configuration is invalid, the port cannot be bound, or a
// handler is still running (or its answer still being sent) when the
// shutdown timeout ends. A second signal during the drain kills the process
// at once, after writing out the buffered log lines. Logs go to stdout (see
// Log); every line is written before the process exits.
func Main(name string, h http.Handler) {
	logs := NewLog(os.Stdout, name)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	context.AfterFunc(ctx, func() { killOnSecondSignal(stop, logs) })
	cfg, err := ConfigFromEnv(os.Getenv)
	if err == nil {
		err = Run(ctx, cfg, logs, h)
	}
	if err != nil {
		logs.Logger().Error("exit", "error", err.Error()) // written at once, after the buffered lines
		os.Exit(1)
	}
}

// secondSignalFlushLimit bounds the wait for the buffered log lines to be
// written when a second signal asks the process to die at once: a blocked
// stdout must not keep it alive.
const secondSignalFlushLimit = time.Second

// killOnSecondSignal is called once the first signal has arrived: stop ends
// the relay of the first. A second SIGTERM or SIGINT then writes out the
// buffered log lines and kills the process with that signal, as the
// signal's default action would have done.
func killOnSecondSignal(stop context.CancelFunc, logs *Log) {
	second := make(chan os.Signal, 1)
	signal.Notify(second, syscall.SIGTERM, os.Interrupt) // before stop, so no signal slips through
	stop()
	go func() {
		sig := (<-second).(syscall.Signal)
		flushed := make(chan struct{})
		go func() {
			logs.Flush() //nolint:errcheck // about to die; nothing is left to tell
			close(flushed)
		}()
		select {
		case <-flushed:
		case <-time.After(secondSignalFlushLimit):
		}
		signal.Reset(sig)
		syscall.Kill(syscall.Getpid(), sig) //nolint:errcheck // signalling oneself cannot fail
	}()
}

// Run serves h on cfg.Host and cfg.Port until ctx is done, then drains the
// server: it stops accepting connections, closes idle ones, cuts off every
// read that waits for a client (a request whose headers are still coming,
// a request body still arriving; see readCutoff for how), and waits up to
// cfg.ShutdownTimeout for the handlers to return and their answers to be
// sent.
//
// Run returns nil when every handler has returned and its answer has been
// sent within cfg.ShutdownTimeout: requests whose body was cut off count as
// answered. It returns an error when it cannot listen, when the server
// fails, or when a handler is still running, or its answer still being
// sent, at the end of cfg.ShutdownTimeout (their connections are then
// closed). It logs to logs: one line per request, and "listening",
// "shutting down" and "stopped" lines. When Run returns, every line it
// logged has been written out.
func Run(ctx context.Context, cfg Config, logs *Log, h http.Handler) error {
	defer logs.Flush() //nolint:errcheck // the caller's own lines will meet the same writer
	logger := logs.Logger()
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, cfg.Port))
	if err != nil {
		return err
	}
	cutoff := newReadCutoff()
	srv := &http.Server{
		Handler:           LogRequests(logs, cutoff.track(LimitBody(h))),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		// Let h answer "OPTIONS *" too, rather than net/http's empty 200.
		DisableGeneralOptionsHandler: true,
		ConnContext:                  cutoff.connContext,
		ConnState:                    cutoff.connState,
	}
	srv.RegisterOnShutdown(cutoff.cutOff)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("drain: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// LimitBody bounds each request body to MaxBodyBytes.
func LimitBody(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		}
		h.ServeHTTP(w, r)
	})
}
