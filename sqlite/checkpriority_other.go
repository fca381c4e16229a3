//go:build !linux

package sqlite

// CheckNice is the CPU priority (nice value) of the thread that runs a
// background check on Linux; other systems run it at the program's own.
const CheckNice = 19

// lowerCheckPriority does nothing outside Linux, where a thread's nice
// value cannot be set on its own (see checkpriority_linux.go).
func lowerCheckPriority() (restore func(), err error) { return func() {}, nil }
