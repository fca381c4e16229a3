package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/doctales/doctales/internal/datalock"
	"github.com/doctales/doctales/sqlite"
)

// One owner per data folder (issue 11). The process that runs the
// pipeline on a data folder (serve, a local import or ingest, invoke) or
// otherwise writes to it (restore, dlq redrive, doctor --repair) holds
// the folder's lock (internal/datalock) while it does: a second pipeline
// on the same folder would deliver every record again, extracting it and
// notifying it twice. Commands that write go through the holder's HTTP
// API when it is a server (it wrote its URL into the lock file); the
// others refuse, naming the holder. Commands that only read open the
// table read-only and work beside the holder.

// serverStartWait is how long a command waits for a server that holds the
// folder but does not listen yet (it is opening the table, which can take
// a few seconds on a large one) to write its URL into the lock file.
const serverStartWait = 15 * time.Second

// folderServer returns the base URL of the server that holds the data
// folder dir, or "" when no process holds it. When a process holds it
// that serves no API (a local import, a restore...), the error is a
// *datalock.HeldError naming it.
func folderServer(dir string) (string, *datalock.Holder, error) {
	deadline := time.Now().Add(serverStartWait)
	for {
		h, err := datalock.Probe(dir)
		if err != nil || h == nil {
			return "", nil, err
		}
		if h.URL != "" {
			return h.URL, h, nil
		}
		if h.Command != "serve" || time.Now().After(deadline) {
			return "", h, &datalock.HeldError{Data: dir, Holder: *h}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// throughServer prints the one line that says a command goes through the
// server holding the folder instead of opening it.
func throughServer(stderr io.Writer, cmd, dir string, h *datalock.Holder) {
	fmt.Fprintf(stderr, "%s: data folder %s is held by %s; going through its API\n", cmd, dir, h)
}

// MissingDataFolderError is the refusal of a command that reads or
// changes an existing data folder to run on one that does not exist:
// creating an empty folder would only hide a mistyped --data.
type MissingDataFolderError struct {
	Data string // the folder, as given
	Abs  string // its absolute path, when known
}

// Error names the folder and how to make one.
func (e *MissingDataFolderError) Error() string {
	where := e.Data
	if e.Abs != "" && e.Abs != e.Data {
		where = fmt.Sprintf("%s (%s)", e.Data, e.Abs)
	}
	return fmt.Sprintf("data folder %s does not exist; give the folder doctales serve uses with --data (or data: in --config). "+
		"serve, import, ingest, invoke and restore create a new one", where)
}

// requireDataFolder returns a *MissingDataFolderError when dir does not
// exist, and an error when it is not a folder.
func requireDataFolder(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		abs, _ := filepath.Abs(dir)
		return &MissingDataFolderError{Data: dir, Abs: abs}
	} else if err != nil {
		return fmt.Errorf("data folder %s: %w", dir, err)
	} else if !fi.IsDir() {
		return fmt.Errorf("data folder %s is not a folder", dir)
	}
	return nil
}

// openTableReadOnly opens the table of the data folder of cfg for
// reading only, beside whichever process owns the folder. The folder and
// its doctales.db must exist; nothing is created or written.
func openTableReadOnly(cfg Config, logger *slog.Logger) (*sqlite.DB, error) {
	if err := requireDataFolder(cfg.Data); err != nil {
		return nil, err
	}
	path := filepath.Join(cfg.Data, tableFile)
	if !fileExists(path) {
		if err := checkDataFolder(cfg); err != nil {
			return nil, err // objects without a table: the damage message
		}
		return nil, fmt.Errorf("data folder %s has no %s: nothing has been stored in it yet", cfg.Data, tableFile)
	}
	db := sqlite.NewDB(path)
	db.Logger = logger
	db.TableName = cfg.TableName()
	db.ReadOnly = true
	if err := openDataDB(db, cfg); err != nil {
		return nil, fmt.Errorf("open %s: %w", cfg.Data, err)
	}
	return db, nil
}

// openHistoryReadOnly opens the flow history of the data folder of cfg
// for reading only; nil, nil when the folder has none (it is made by the
// first serve, import or invoke).
func openHistoryReadOnly(cfg Config, logger *slog.Logger) (*sqlite.DB, error) {
	h := openHistoryDB(cfg, logger)
	if !fileExists(h.Path) {
		return nil, nil
	}
	h.ReadOnly = true
	if err := openHistory(h); err != nil {
		return nil, fmt.Errorf("open flow history in %s: %w", cfg.Data, err)
	}
	return h, nil
}

// lockDataFolder takes the data folder's lock for a command that writes to
// it without running the pipeline (restore, dlq redrive, doctor --repair).
// With create, a missing folder is made first; otherwise it is an error.
func lockDataFolder(dir, command string, create bool) (*datalock.Lock, error) {
	if create {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create data folder %s: %w", dir, err)
		}
	} else if err := requireDataFolder(dir); err != nil {
		return nil, err
	}
	return datalock.Acquire(dir, command)
}
