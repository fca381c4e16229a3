package sandbox

import (
	"errors"
	"os"
	"syscall"
)

// Supported reports whether worker processes can run here: on Linux,
// where the limits (RLIMIT_DATA, RLIMIT_CPU, Pdeathsig) exist.
const Supported = true

// errUnsupported is what Pool.Open returns where workers cannot run.
var errUnsupported = errors.New("sandbox: worker processes need Linux")

// sysProcAttr kills the worker when the thread that started it dies
// (Pdeathsig): a parent that crashes leaves no worker behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// killedByCPULimit reports whether the process ended by SIGXCPU.
func killedByCPULimit(st *os.ProcessState) bool {
	ws, ok := st.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGXCPU
}
