//go:build unix

package local

import (
	"os"
	"syscall"
)

// signalGroup sends sig to the process group the task leads (see
// sysProcAttr), so that a command's own children (go run's program, a shell
// wrapper's service) get it too.
func signalGroup(p *os.Process, sig syscall.Signal) {
	syscall.Kill(-p.Pid, sig)
}
