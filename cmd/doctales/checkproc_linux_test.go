package main

// The checker's priority, read from /proc (Linux only; the file name
// keeps the test out of other systems' builds).

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestCheckProcess_Nice19 reads the nice value of every thread of a
// running child from /proc: all run at 19, not only its first (on Linux
// the nice value is a thread's, and the Go runtime has several).
func TestCheckProcess_Nice19(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cmd, _, path := startLockedChild(t, r)
	r.Close()
	pid := cmd.Process.Pid
	// The child lowers its priority before it opens the file: once the
	// file is among its open files, it has (a loaded machine may take
	// longer than startLockedChild's wait to start it).
	waitOpen(t, pid, path)
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) < 2 {
		t.Fatalf("the child has %d threads; a Go program has several", len(tasks))
	}
	for _, task := range tasks {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/stat", pid, task.Name()))
		if err != nil {
			t.Fatal(err)
		}
		// Fields after the command's name, which ends with the last ')':
		// the state is field 3, the nice value field 19.
		rest := stat[bytes.LastIndexByte(stat, ')')+1:]
		fields := strings.Fields(string(rest))
		nice, err := strconv.Atoi(fields[19-3])
		if err != nil {
			t.Fatalf("thread %s: nice field %q: %v", task.Name(), fields[19-3], err)
		}
		if nice != checkNice {
			t.Errorf("thread %s of the child %d runs at nice %d, want %d", task.Name(), pid, nice, checkNice)
		}
	}
	t.Logf("%d threads of the child %d at nice %d", len(tasks), pid, checkNice)
}
