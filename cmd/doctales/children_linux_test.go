package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// childPIDs returns the processes whose parent is pid, from /proc: the
// server's background check child and parser workers.
func childPIDs(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var kids []int
	for _, path := range stats {
		ppid, _, ok := procStat(path)
		if ok && ppid == pid {
			if n, err := strconv.Atoi(filepath.Base(filepath.Dir(path))); err == nil {
				kids = append(kids, n)
			}
		}
	}
	return kids
}

// processRunning reports whether pid is a process that has not exited: a
// zombie (exited, not yet reaped by whoever inherited it) is not running.
func processRunning(pid int) bool {
	_, state, ok := procStat("/proc/" + strconv.Itoa(pid) + "/stat")
	return ok && state != "Z" && state != "X"
}

// procStat reads the parent pid and state of /proc/PID/stat. The command
// name, in parentheses, may hold spaces and parentheses: the fields are
// read after its last ')'.
func procStat(path string) (ppid int, state string, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, "", false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, "", false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, "", false
	}
	ppid, err = strconv.Atoi(f[1])
	return ppid, f[0], err == nil
}

// stopSignal stops a server before its children are listed.
const stopSignal = syscall.SIGSTOP
