//go:build !linux

package ingest

import "syscall"

// limitProcess does nothing off Linux: pdftotext there is bounded by the
// time-out alone.
func limitProcess(pid int, mem, cpu uint64) error { return nil }

// dieWithParent has no equivalent off Linux.
func dieWithParent() *syscall.SysProcAttr { return nil }
