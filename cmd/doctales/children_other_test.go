//go:build !linux

package main

import "os"

// stopSignal: elsewhere the server is not stopped before the kill.
var stopSignal os.Signal = os.Kill

// childPIDs is Linux-only (it reads /proc); elsewhere a killed server's
// children are not waited for.
func childPIDs(pid int) []int { return nil }

func processRunning(pid int) bool { return false }
