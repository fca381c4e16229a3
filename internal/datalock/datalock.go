// Package datalock gives a data folder one owner at a time (issue 11).
//
// The embedded mode keeps its table, log and objects in a data folder and
// runs the pipeline's subscriptions over them. Two processes running the
// pipeline on one folder each deliver every record, so a record was
// extracted twice and a notification sent twice. The process that opens a
// folder for writing (serve, a local import, invoke, restore, doctor
// --repair) therefore takes an exclusive lock on <folder>/doctales.lock
// and writes into the file who it is: its PID, its command and, for serve,
// the URL it listens on. Another command finds the holder there and goes
// through its HTTP API, or refuses naming it.
//
// The lock is flock(2) on the file: the kernel releases it when the
// holder's process ends, however it ends (kill -9 included), so a stale
// lock file never blocks the next start; the file itself stays and its
// content is only read while the lock is held. The file is opened
// close-on-exec, so child processes (the document parser workers) do not
// inherit the lock.
package datalock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// FileName is the lock file in a data folder.
const FileName = "doctales.lock"

// Holder is what the lock file says about the process that holds it.
type Holder struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`       // "serve", "import", ...
	URL     string    `json:"url,omitempty"` // the server's base URL, once it listens
	Started time.Time `json:"started"`
}

// String describes the holder for messages: `doctales serve (PID 1234,
// serving on http://127.0.0.1:8080)`.
func (h Holder) String() string {
	if h.PID == 0 {
		return "another process (its lock file does not say which)"
	}
	s := fmt.Sprintf("doctales %s (PID %d", h.Command, h.PID)
	if h.URL != "" {
		s += ", serving on " + h.URL
	}
	return s + ")"
}

// HeldError is the refusal to lock a folder another process holds.
type HeldError struct {
	Data   string // the data folder
	Holder Holder // who holds it, as its lock file says
}

// Error names the folder and the holder, and the way out.
func (e *HeldError) Error() string {
	return fmt.Sprintf("data folder %s is in use by %s: one process at a time owns a data folder; stop it, or give this command another --data folder",
		e.Data, e.Holder)
}

// Lock is a held lock on a data folder.
type Lock struct {
	f      *os.File
	holder Holder
}

// acquireWait is how long Acquire retries while the lock is busy: a Probe
// takes it shared for the instant it reads the file, which must not make
// a starting server fail.
const acquireWait = 500 * time.Millisecond

// Acquire takes the exclusive lock of the data folder dir, which must
// exist, for command, and writes this process's PID and command into the
// lock file. If another process holds it, the error is a *HeldError
// naming that process.
func Acquire(dir, command string) (*Lock, error) {
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock data folder %s: %w", dir, err)
	}
	deadline := time.Now().Add(acquireWait)
	for {
		ok, err := tryLock(f, true)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock data folder %s: flock %s: %w", dir, path, err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			h, _ := readHolder(f)
			f.Close()
			return nil, &HeldError{Data: dir, Holder: h}
		}
		time.Sleep(10 * time.Millisecond)
	}
	l := &Lock{f: f, holder: Holder{PID: os.Getpid(), Command: command, Started: time.Now().UTC().Truncate(time.Second)}}
	if err := l.write(); err != nil {
		l.Release()
		return nil, err
	}
	return l, nil
}

// SetURL records the URL the holder serves the folder's API on, so that
// other commands can go through it.
func (l *Lock) SetURL(url string) error {
	l.holder.URL = url
	return l.write()
}

// write puts the holder into the lock file. The new content is written
// over the old before the file is cut to its length, so a reader never
// sees an empty file; one that reads in between sees the whole JSON value
// followed by a tail, which readHolder ignores.
func (l *Lock) write() error {
	b, err := json.Marshal(l.holder)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if _, err := l.f.WriteAt(b, 0); err != nil {
		return fmt.Errorf("write lock file %s: %w", l.f.Name(), err)
	}
	if err := l.f.Truncate(int64(len(b))); err != nil {
		return fmt.Errorf("write lock file %s: %w", l.f.Name(), err)
	}
	return nil
}

// Release unlocks the folder. The lock file stays (another process may
// have it open); its content is stale from then on and only read while
// the lock is held. Release tolerates a nil Lock and a second call.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the last descriptor releases the flock
	l.f = nil
	return err
}

// Probe reports who holds the lock of the data folder dir, or nil when no
// process does (the folder or its lock file missing included). It creates
// nothing. A holder's content is read again for up to a second while it is
// being written.
func Probe(dir string) (*Holder, error) {
	path := filepath.Join(dir, FileName)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("probe data folder lock %s: %w", path, err)
	}
	defer f.Close()
	free, err := tryLock(f, false)
	if err != nil {
		return nil, fmt.Errorf("probe data folder lock %s: flock: %w", path, err)
	}
	if free {
		return nil, unlock(f)
	}
	var h Holder
	deadline := time.Now().Add(time.Second)
	for {
		if h, err = readHolder(f); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return &h, nil
}

// readHolder reads the holder from the start of the lock file: its first
// JSON value, whatever follows it.
func readHolder(f *os.File) (Holder, error) {
	var h Holder
	b := make([]byte, 4096)
	n, err := f.ReadAt(b, 0)
	if n == 0 && err != nil {
		return h, fmt.Errorf("read lock file %s: %w", f.Name(), err)
	}
	if err := json.NewDecoder(bytes.NewReader(b[:n])).Decode(&h); err != nil {
		return Holder{}, fmt.Errorf("read lock file %s: %w", f.Name(), err)
	}
	return h, nil
}
