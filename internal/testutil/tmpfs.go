package testutil

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// MustMountTmpfs mounts a tmpfs of sizeBytes on a new temporary folder and
// unmounts it at test end, for tests of a full disk. Where mounting is
// impossible (not root, no CAP_SYS_ADMIN, no mount command) the test is
// skipped with the reason, except under CI=true, where it fails: CI must
// run it.
func MustMountTmpfs(tb testing.TB, sizeBytes int64) string {
	tb.Helper()
	dir := tb.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", sizeBytes), "tmpfs", dir).CombinedOutput()
	if err != nil {
		msg := fmt.Sprintf("cannot mount a tmpfs (needs root or CAP_SYS_ADMIN; uid %d): %v: %s", os.Getuid(), err, out)
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	tb.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			tb.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// MustFillDisk writes the file "filler" in dir until its file system is
// full (ENOSPC) and returns its path; removing it frees the space.
func MustFillDisk(tb testing.TB, dir string) string {
	tb.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	for _, n := range []int{1 << 20, 4096, 512, 1} {
		buf := make([]byte, n)
		for {
			if _, err := f.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					tb.Fatalf("fill %s: %v", path, err)
				}
				break
			}
		}
	}
	return path
}
