package sqlite

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
)

// CheckNice is the CPU priority (nice value, 19 the lowest) of the thread
// that runs a background check on Linux.
const CheckNice = 19

// checkProcs counts the background checks running at low priority: each
// adds one to GOMAXPROCS while it runs (checkProcsMu guards both).
var (
	checkProcsMu   sync.Mutex
	checkProcs     int
	checkProcsBase int // GOMAXPROCS before the first of them
)

// lowerCheckPriority moves the calling goroutine, for the rest of its
// life, to an OS thread of its own at nice CheckNice, and adds one to
// GOMAXPROCS until the returned function is called. It is how a
// background quick_check yields to the API (issue 15): reading the 2.7 GB
// table of a million communications takes a core for 4 to 9 s after
// serve listens, and the lists answered meanwhile had a p99 of 22 to 33
// ms against 4 to 6 ms once it had ended, because
//
//   - the kernel gave the check's thread the same share of the two cores
//     as the server's request and collector threads and its clients, and
//   - the check's goroutine held one of the Go scheduler's two Ps for
//     seconds, so a request's goroutine waited for the other one, or for
//     the 10 ms preemption of the check.
//
// At nice 19 the thread runs only on CPU time nothing else wants, and the
// extra P leaves the rest of the program the Ps it had. The goroutine
// must not unlock the thread: when it exits locked, the Go runtime ends
// the thread, so no other goroutine ever runs at that priority. The
// returned function (which may be called more than once) takes the P
// back: GOMAXPROCS is the value before the first such check once the last
// has ended, unless something else changed it meanwhile.
func lowerCheckPriority() (restore func(), err error) {
	runtime.LockOSThread()
	checkProcsMu.Lock()
	if checkProcs == 0 {
		checkProcsBase = runtime.GOMAXPROCS(0)
	}
	checkProcs++
	runtime.GOMAXPROCS(checkProcsBase + checkProcs)
	checkProcsMu.Unlock()
	var once sync.Once
	restore = func() { once.Do(restoreProcs) }
	// On Linux the nice value is per thread: PRIO_PROCESS with a
	// thread id sets that thread's alone.
	if err := syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), CheckNice); err != nil {
		return restore, fmt.Errorf("set the check thread's nice value to %d: %w", CheckNice, os.NewSyscallError("setpriority", err))
	}
	return restore, nil
}

// restoreProcs takes back the P that lowerCheckPriority added.
func restoreProcs() {
	checkProcsMu.Lock()
	defer checkProcsMu.Unlock()
	checkProcs--
	if runtime.GOMAXPROCS(0) == checkProcsBase+checkProcs+1 {
		runtime.GOMAXPROCS(checkProcsBase + checkProcs)
	}
}
