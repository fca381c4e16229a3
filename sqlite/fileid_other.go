//go:build !unix

package sqlite

import "os"

// fileDevIno returns zeros where os.FileInfo carries no device and inode:
// the marker then rests on size, mtime and the header.
func fileDevIno(os.FileInfo) (dev, ino uint64) { return 0, 0 }
