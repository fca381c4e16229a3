//go:build !linux

package fsblob

import "time"

// newUnnamedWrite is Linux-only; elsewhere Put uses named temporary files.
func newUnnamedWrite(dir string, data []byte, mtime time.Time, deferSync bool) (pendingWrite, bool, error) {
	return nil, false, nil
}

// syncFS is Linux-only; elsewhere every put syncs its file and folder.
func syncFS(dir string) error { return syncDir(dir) }

// canSyncFS reports whether syncFS syncs the whole file system.
const canSyncFS = false
