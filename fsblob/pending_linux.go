package fsblob

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// unnamedWrite is an O_TMPFILE file: data without a name until commit links
// it in.
type unnamedWrite struct {
	fd      int
	dir     string
	fsynced bool
}

// newUnnamedWrite returns ok false when the file system does not support
// O_TMPFILE, so that the caller falls back to a named temporary file.
func newUnnamedWrite(dir string, data []byte, mtime time.Time, deferSync bool) (pendingWrite, bool, error) {
	if !procFDs() {
		return nil, false, nil
	}
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) && dirExists(dir) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("open unnamed file in %q: %w", dir, err)
	}
	w := &unnamedWrite{fd: fd, dir: dir}
	if err := writeAll(fd, data); err != nil {
		w.abort()
		return nil, true, fmt.Errorf("write: %w", err)
	}
	tv := unix.NsecToTimeval(mtime.UnixNano())
	if err := unix.Futimes(fd, []unix.Timeval{tv, tv}); err != nil {
		w.abort()
		return nil, true, fmt.Errorf("set time: %w", err)
	}
	if !deferSync {
		if err := unix.Fsync(fd); err != nil {
			w.abort()
			return nil, true, fmt.Errorf("sync: %w", err)
		}
		w.fsynced = true
	}
	return w, true, nil
}

func writeAll(fd int, data []byte) error {
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return err
		}
		data = data[n:]
	}
	return nil
}

func dirExists(dir string) bool {
	fi, err := os.Stat(dir)
	return err == nil && fi.IsDir()
}

// commit links the file at path. A new key is linked in place; an existing
// one is replaced through a temporary name and a rename, both atomic.
func (w *unnamedWrite) commit(path string) error {
	proc := fmt.Sprintf("/proc/self/fd/%d", w.fd)
	err := unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, path, unix.AT_SYMLINK_FOLLOW)
	if errors.Is(err, unix.EEXIST) {
		tmp := filepath.Join(w.dir, fmt.Sprintf("%s%d-%d", tempPrefix, os.Getpid(), linkSeq.Add(1)))
		if err = unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, tmp, unix.AT_SYMLINK_FOLLOW); err == nil {
			if err = os.Rename(tmp, path); err != nil {
				os.Remove(tmp)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("link %q: %w", path, err)
	}
	w.abort()
	return nil
}

func (w *unnamedWrite) synced() bool { return w.fsynced }

// abort closes the file; an unnamed file is then gone.
func (w *unnamedWrite) abort() {
	if w.fd >= 0 {
		unix.Close(w.fd)
		w.fd = -1
	}
}

// linkSeq numbers the temporary names of replacing commits.
var linkSeq atomic.Int64

// procFDs reports whether /proc/self/fd is there to link unnamed files by.
var procFDs = sync.OnceValue(func() bool {
	_, err := os.Stat("/proc/self/fd")
	return err == nil
})

// canSyncFS reports whether syncFS syncs the whole file system.
const canSyncFS = true

// syncFS makes every write to the file system holding dir durable: its
// dirty data and the journal (syncfs). One call serves many puts.
func syncFS(dir string) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("sync file system of %q: %w", dir, err)
	}
	defer unix.Close(fd)
	if err := unix.Syncfs(fd); err != nil {
		return fmt.Errorf("sync file system of %q: %w", dir, err)
	}
	return nil
}
