package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/doctales/doctales/sqlite"
)

// The files of the data folder (see docs/operations.md).
const (
	tableFile   = "doctales.db"
	historyFile = "history.db"
	objectsDir  = "objects"
)

// fsblobTempPrefix starts the names of fsblob's temporary files, which are
// not objects.
const fsblobTempPrefix = ".fsblob-tmp-"

// DataFolderError is the refusal to open a data folder whose table is
// missing, empty or not a SQLite database while its object store holds
// objects: SQLite would start a new, empty table and every stored
// communication would silently disappear from the API (issue 10).
type DataFolderError struct {
	Data    string           // the data folder
	Table   sqlite.FileState // what was found at doctales.db
	Objects int              // objects in the store
}

// Error says what was found and how to recover.
func (e *DataFolderError) Error() string {
	var found string
	switch {
	case !e.Table.Exists:
		found = "is missing"
	case e.Table.Size == 0:
		found = "is empty (0 bytes)"
	default:
		found = fmt.Sprintf("is not a SQLite database (%d bytes, no %q header)", e.Table.Size, strings.TrimRight(sqlite.Header, "\x00"))
	}
	return fmt.Sprintf("data folder %s: the table %s %s but the object store holds %d objects; "+
		"refusing to start on a new empty table, which would hide them (nothing was changed). %s",
		e.Data, e.Table.Path, found, e.Objects, recoveryHint(e.Data))
}

// recoveryHint tells how to get a damaged table back.
func recoveryHint(data string) string {
	return fmt.Sprintf("To recover: restore an export into a new folder (`doctales restore --data NEWDIR --from DIR`) and serve from it, "+
		"or run `doctales doctor --data %s --repair` to rebuild the table from the objects (it keeps the damaged file beside it).", data)
}

// checkDataFolder refuses a data folder whose doctales.db is missing,
// empty or not SQLite while objects exist; a folder without objects (a
// fresh one) passes.
func checkDataFolder(cfg Config) error {
	st, err := sqlite.InspectFile(filepath.Join(cfg.Data, tableFile))
	if err != nil {
		return err
	}
	if !st.Empty() && st.SQLite {
		return nil
	}
	n, err := countObjects(filepath.Join(cfg.Data, objectsDir, cfg.BucketName()))
	if err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	return &DataFolderError{Data: cfg.Data, Table: st, Objects: n}
}

// countObjects counts the objects under the bucket folder dir, without
// opening the store (which would remove temporary files). A missing folder
// holds none.
func countObjects(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == dir {
				return fs.SkipAll
			}
			return err
		}
		if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), fsblobTempPrefix) {
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count objects in %q: %w", dir, err)
	}
	return n, nil
}

// openDataDB opens the pipeline's table db in the data folder of cfg after
// checkDataFolder, and adds the way out to a damaged file's error.
func openDataDB(db *sqlite.DB, cfg Config) error {
	if err := checkDataFolder(cfg); err != nil {
		return err
	}
	if err := db.Open(); err != nil {
		var de *sqlite.DamagedError
		if errors.As(err, &de) {
			return fmt.Errorf("%w. Nothing was changed. Run `doctales doctor --data %s` for a full check. %s", err, cfg.Data, recoveryHint(cfg.Data))
		}
		return err
	}
	return nil
}

// openHistory opens the flow history db and adds the way out to a damaged
// file's error: the history is not needed by the pipeline.
func openHistory(db *sqlite.DB) error {
	if err := db.Open(); err != nil {
		var de *sqlite.DamagedError
		if errors.As(err, &de) {
			return fmt.Errorf("%w. Nothing was changed. The file holds only the flow history (doctales trace): move it aside to start with an empty one", err)
		}
		return err
	}
	return nil
}

// fileExists reports whether path names an existing file.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
