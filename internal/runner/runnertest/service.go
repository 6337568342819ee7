// Package runnertest supports the tests of the local runner (packages
// runner and deploy, and the ecsplit-local command): it runs the test
// binary itself as the services of a stage (Main, Command), and writes
// small one-stack cloud assemblies whose containers it runs (App).
package runnertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// ServiceEnv makes the test binary run as a service, in the mode it
// holds: the command a services file gives for a container (see Command).
const ServiceEnv = "ECSPLIT_TEST_SERVICE"

// Main runs the test binary as a service when ServiceEnv is set, else the
// tests. Call it from TestMain.
func Main(m *testing.M) {
	if mode := os.Getenv(ServiceEnv); mode != "" {
		if err := Serve(mode); err != nil {
			fmt.Fprintln(os.Stderr, "test service:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Command returns the program and the environment that run the test
// binary as a service in mode (see Serve), with env added: a services
// file's command and env for a container.
func Command(mode string, env map[string]string) ([]string, map[string]string) {
	e := map[string]string{ServiceEnv: mode}
	for k, v := range env {
		e[k] = v
	}
	return []string{os.Args[0]}, e
}

// Serve serves on $HOST:$PORT: /ping is its health check (500 in mode
// "unhealthy"), every other path answers with the environment it got,
// once it has printed "test service: METHOD PATH". In mode "upload" it
// reads the request's body first, and answers 400 when that fails. In
// modes "echo" and "upload" it drains and exits 0 on SIGTERM; in mode
// "dies-on-term" SIGTERM kills it, as it kills `go run`.
func Serve(mode string) error {
	if mode != "dies-on-term" {
		signal.Ignore(syscall.SIGTERM) // handled below
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(os.Getenv("HOST"), os.Getenv("PORT")))
	if err != nil {
		return err
	}
	fmt.Println("test service listening on", ln.Addr())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ping" && mode == "unhealthy" {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		if r.URL.Path != "/ping" {
			fmt.Println("test service:", r.Method, r.URL.Path)
		}
		if fault(w, r) { // FAIL_PATH, FAIL_AFTER: see ramp.go
			return
		}
		if mode == "upload" {
			if _, err := io.Copy(io.Discard, r.Body); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		fmt.Fprintf(w, "%s %s host=%s region=%s extra=%s path=%s", os.Getenv("GREETING"), mode, os.Getenv("HOST"), os.Getenv("REGION"), os.Getenv("EXTRA"), r.URL.Path)
	})}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	go func() {
		<-term
		srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
