package main

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time this process has used, user and system
// (kernel), from GetProcessTimes.
func processCPU() time.Duration {
	user, system := processCPUSplit()
	return user + system
}

// processCPUSplit returns the CPU time this process has used in user mode
// and in the kernel, from GetProcessTimes.
func processCPUSplit() (user, system time.Duration) {
	var creation, exit, kernel, usr syscall.Filetime
	h, err := syscall.GetCurrentProcess()
	if err != nil {
		return 0, 0
	}
	if err := syscall.GetProcessTimes(h, &creation, &exit, &kernel, &usr); err != nil {
		return 0, 0
	}
	// A Filetime counts 100 ns intervals.
	ticks := func(f syscall.Filetime) int64 { return int64(f.HighDateTime)<<32 | int64(f.LowDateTime) }
	return time.Duration(ticks(usr) * 100), time.Duration(ticks(kernel) * 100)
}
