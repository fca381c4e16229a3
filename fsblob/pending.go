package fsblob

import (
	"os"
	"time"
)

// pendingWrite is an object's data written and synced in its target's
// folder, not yet visible under its key. commit makes it the object
// atomically; abort, after commit a no-op, throws it away.
type pendingWrite interface {
	commit(path string) error
	abort()
	// synced reports whether the data was fsynced; if not, the caller
	// must sync the file system after commit (see Store.Put).
	synced() bool
}

// newPendingWrite writes data durably in dir. On Linux it uses an unnamed
// O_TMPFILE file, which adds no folder entry until commit (creating a named
// temporary file in a folder that many puts share makes them queue on the
// folder's lock), and which vanishes by itself if the process dies. Where
// O_TMPFILE is missing it falls back to a named temporary file.
//
// With deferSync, an unnamed file is not fsynced: the caller syncs the whole
// file system once for many puts (group commit), after commit.
func newPendingWrite(dir string, data []byte, mtime time.Time, deferSync bool) (pendingWrite, error) {
	if pw, ok, err := newUnnamedWrite(dir, data, mtime, deferSync); ok || err != nil {
		return pw, err
	}
	name, err := writeTemp(dir, data, mtime)
	if err != nil {
		return nil, err
	}
	return &namedWrite{name: name}, nil
}

// namedWrite is a named temporary file, renamed over the target.
type namedWrite struct {
	name string
	done bool
}

func (w *namedWrite) commit(path string) error {
	if err := os.Rename(w.name, path); err != nil {
		return err
	}
	w.done = true
	return nil
}

func (w *namedWrite) synced() bool { return true }

func (w *namedWrite) abort() {
	if !w.done {
		os.Remove(w.name)
		w.done = true
	}
}
