//go:build !linux

package sandbox

import (
	"errors"
	"os"
	"syscall"
)

// Supported reports whether worker processes can run here: only on Linux,
// where the limits (RLIMIT_DATA, RLIMIT_CPU, Pdeathsig) exist. Elsewhere
// Pool.Open fails and Main does nothing.
const Supported = false

// Main does nothing where workers are not supported.
func Main(handlers map[string]Handler) {}

// errUnsupported is what Pool.Open returns off Linux.
var errUnsupported = errors.New("sandbox: worker processes need Linux")

func sysProcAttr() *syscall.SysProcAttr { return nil }

func killedByCPULimit(st *os.ProcessState) bool { return false }
