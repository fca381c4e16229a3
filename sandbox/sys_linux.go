package sandbox

import (
	"os"
	"syscall"
)

// sysProcAttr kills the worker when the thread that started it dies
// (Pdeathsig): a parent that crashes leaves no worker behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// isSignal reports whether the process ended by signal sig.
func isSignal(st *os.ProcessState, sig syscall.Signal) bool {
	ws, ok := st.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}
