//go:build unix

package runner

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// signalGroup sends sig to the process group the process leads (see
// sysProcAttr), so that a command's own children (go run's program, a shell
// wrapper's service) get it too.
func signalGroup(p *os.Process, sig syscall.Signal) {
	syscall.Kill(-p.Pid, sig)
}

// runInGroup runs cmd, made by exec.CommandContext(ctx, …), in a process
// group of its own (see sysProcAttr) and waits for it. When ctx ends, the
// whole group gets SIGTERM, rather than cmd alone SIGKILL as CommandContext
// would send, so that the processes cmd started (go run's program, a CDK
// app's jsii node process) stop too; once cmd has exited and closed its
// output, or after stopDelay, whatever is left of the group gets SIGKILL.
func runInGroup(ctx context.Context, cmd *exec.Cmd, stopDelay time.Duration) error {
	cmd.SysProcAttr = sysProcAttr()
	cmd.Cancel = func() error {
		signalGroup(cmd.Process, syscall.SIGTERM)
		return nil
	}
	// Wait kills cmd itself, and stops waiting for its output, stopDelay
	// after ctx ends.
	cmd.WaitDelay = stopDelay
	err := cmd.Run()
	if cmd.Process != nil && (ctx.Err() != nil || errors.Is(err, exec.ErrWaitDelay)) {
		signalGroup(cmd.Process, syscall.SIGKILL)
	}
	return err
}
