//go:build unix

package sqlite

import (
	"os"
	"syscall"
)

// fileDevIno returns the device and inode of fi: a file replaced by another
// (a restore, doctor --repair's rebuild) has another inode even with the
// same size and mtime.
func fileDevIno(fi os.FileInfo) (dev, ino uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), uint64(st.Ino)
	}
	return 0, 0
}
