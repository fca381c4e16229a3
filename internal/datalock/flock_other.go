//go:build !unix

package datalock

import "os"

// tryLock always succeeds where flock(2) is not available: the folder is
// then not protected against a second owner (see docs/operations.md).
func tryLock(f *os.File, exclusive bool) (bool, error) { return true, nil }

// unlock does nothing where tryLock takes no lock.
func unlock(f *os.File) error { return nil }
