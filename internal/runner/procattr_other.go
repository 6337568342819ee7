//go:build !linux

package runner

import "syscall"

// sysProcAttr puts a task in its own process group, so that a Ctrl-C in the
// terminal reaches only the runner, which then stops the task once.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
