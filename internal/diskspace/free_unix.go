//go:build unix

package diskspace

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Free returns the bytes an unprivileged process may still write to the
// file system that holds path (statfs: available blocks times block size).
// It is one system call, cheap enough for every /readyz.
func Free(path string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, fmt.Errorf("statfs %q: %w", path, err)
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
