//go:build !unix

package importer

import "os"

// openFlags open a file for reading. Without O_NOFOLLOW and O_NONBLOCK
// the type is still checked with fstat after the open.
const openFlags = os.O_RDONLY

// dirID identifies a folder for loop detection.
type dirID struct{ dev, ino uint64 }

// idOf reports false: this platform gives no inode, so loops are bounded by
// the walk depth only.
func idOf(fi os.FileInfo) (dirID, bool) { return dirID{}, false }
