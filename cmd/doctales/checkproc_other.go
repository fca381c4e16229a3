//go:build !unix

package main

import "syscall"

// checkChildProcAttr: nothing to set where there are no process groups.
func checkChildProcAttr() *syscall.SysProcAttr { return nil }

// lowerCheckPriority leaves the priority as it is where there is no nice
// value (Windows): the check still runs outside the server's process,
// with its own heap and scheduler.
func lowerCheckPriority() error { return nil }

// currentNice returns 0: no nice value here.
func currentNice() int { return 0 }
