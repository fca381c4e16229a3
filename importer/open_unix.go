//go:build unix

package importer

import (
	"os"
	"syscall"
)

// openFlags open a file for reading without following a symbolic link in
// its last component and without blocking on a FIFO: a file swapped for a
// link or a pipe between the walk's Lstat and the open cannot redirect or
// hang the import. Reads of a regular file ignore O_NONBLOCK.
const openFlags = os.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// dirID identifies a folder by device and inode, for loop detection.
type dirID struct{ dev, ino uint64 }

// idOf returns the device and inode of fi, and false when the platform
// does not give them.
func idOf(fi os.FileInfo) (dirID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return dirID{}, false
	}
	return dirID{uint64(st.Dev), uint64(st.Ino)}, true
}
