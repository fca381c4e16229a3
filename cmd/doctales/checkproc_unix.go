//go:build unix

package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// checkChildProcAttr starts the check's child as the leader of a process
// group of its own: lowerCheckPriority lowers the whole group, and a
// Ctrl-C at the terminal reaches the server, which stops the child.
func checkChildProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// lowerCheckPriority sets the nice value of this process's every thread to
// checkNice. On Linux the nice value is a thread's, and the Go runtime
// has started several before main: setpriority(PRIO_PGRP) changes every
// thread of every process of the group at once, and threads started
// later inherit it from the thread that starts them. The process becomes
// the leader of a group of its own first if it is not one (started by
// hand), so that nothing else is lowered with it.
func lowerCheckPriority() error {
	if pid := os.Getpid(); syscall.Getpgrp() != pid {
		if err := syscall.Setpgid(0, 0); err != nil {
			return fmt.Errorf("make process %d a process group leader: %w", pid, err)
		}
	}
	if err := unix.Setpriority(unix.PRIO_PGRP, 0, checkNice); err != nil {
		return fmt.Errorf("set the nice value of process group %d to %d: %w", syscall.Getpgrp(), checkNice, err)
	}
	return nil
}

// currentNice returns the nice value of the calling thread. Linux's
// getpriority system call answers 20 minus the nice value (so that it is
// never negative); the BSDs answer the value itself.
func currentNice() int {
	p, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
	if err != nil {
		return 0
	}
	if runtime.GOOS == "linux" {
		return 20 - p
	}
	return p
}
