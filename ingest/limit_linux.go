package ingest

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// limitProcess sets the address-space limit (bytes) and the CPU time
// limit (seconds) of process pid.
func limitProcess(pid int, mem, cpu uint64) error {
	if err := unix.Prlimit(pid, unix.RLIMIT_AS, &unix.Rlimit{Cur: mem, Max: mem}, nil); err != nil {
		return fmt.Errorf("limit pdftotext memory to %d bytes: %w", mem, err)
	}
	if err := unix.Prlimit(pid, unix.RLIMIT_CPU, &unix.Rlimit{Cur: cpu, Max: cpu + 1}, nil); err != nil {
		return fmt.Errorf("limit pdftotext CPU time to %d s: %w", cpu, err)
	}
	return nil
}

// dieWithParent makes a child get SIGKILL when its parent dies.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
