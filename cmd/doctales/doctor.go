package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/fsblob"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/postgres"
	"github.com/doctales/doctales/sqlite"
)

// DefaultDoctorProgressEvery is how many objects doctor checks between two
// progress lines on stderr.
const DefaultDoctorProgressEvery = 1000

// Kinds of problem doctor reports.
const (
	ProblemIntegrity = "integrity"      // a database file fails integrity_check, or is empty or not SQLite
	ProblemOrphan    = "orphan"         // an object without an item; --repair rebuilds the item
	ProblemMissing   = "missing_object" // an item whose object is missing
	ProblemDamaged   = "damaged_object" // an object of the wrong size, or not a readable communication
	// ProblemThread: an item without the thread id its object names,
	// written before the table kept it (migration 0140); --repair copies
	// it, so the mail joins its thread (GET /threads).
	ProblemThread = "thread_id"
	// ProblemCounts: a counter of item_counts (lists' totals, the
	// Operations page's counts) that differs from the items, changed
	// outside Doctales; --repair recounts them all from the items.
	ProblemCounts = "item_counts"
)

// Problem is one thing doctor found wrong, named by its file, key or id.
type Problem struct {
	Kind     string `json:"kind"`
	File     string `json:"file,omitempty"`
	Key      string `json:"key,omitempty"`
	ID       string `json:"id,omitempty"`
	Detail   string `json:"detail"`
	Repaired bool   `json:"repaired,omitempty"`
}

// DoctorReport is what doctor found, and with --repair what it did.
type DoctorReport struct {
	Data     string    `json:"data"`
	Items    int       `json:"items"`
	Objects  int       `json:"objects"` // communication objects
	Others   int       `json:"others"`  // raw originals and attachments beside them
	Problems []Problem `json:"problems"`
	MovedTo  string    `json:"movedTo,omitempty"` // where --repair moved a damaged doctales.db
	Remain   int       `json:"remain"`            // problems not repaired
}

const doctorUsage = `Usage: doctales doctor [--data DIR | --postgres DSN] [--repair] [--json]

Checks the data folder: a full PRAGMA integrity_check of doctales.db and
history.db, and that the object store and the table agree. Reports, each
with its key: objects without an item (orphans), items whose object is
missing, damaged objects: a size other than their last put stored
(any type), or a communication that is not readable JSON (truncated,
overwritten), and items that lack the thread id their object names.
Exits 1 while problems remain.

--repair rebuilds the item of every orphan object as ingestion writes it
(with its INSERT stream record) and announces the object again, so the
extraction function processes it when the server runs, and copies the
thread id an object names onto its item where the item lacks it (mail
stored before threads were kept on items). A doctales.db that
is empty, not SQLite or fails integrity_check is first renamed to
doctales.db.damaged-<time> (never deleted) and the whole table rebuilt from
the objects. Nothing is ever deleted; missing and damaged objects are only
reported (restore them from an export).

In a cluster (serve --postgres DSN), give the same --postgres DSN (or the
configuration's postgres:): doctor checks the table in PostgreSQL, that
its item_counts (lists' totals, the Operations page's counts) agree with
the items, and --repair recounts them. PostgreSQL checks its own pages;
the objects (in S3) are not read.

Example:
  doctales doctor
  doctales doctor --data /srv/doctales --repair --json
  doctales doctor --postgres "$DOCTALES_POSTGRES" --repair

Flags:
`

// runDoctor is the doctor command.
func runDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctales doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, doctorUsage); fs.PrintDefaults() }
	var cf commonFlags
	cf.register(fs)
	// The command's output is what it prints; the log says only what went wrong.
	fs.Lookup("log-level").DefValue, cf.logLevel = "warn", "warn"
	repair := fs.Bool("repair", false, "rebuild missing items from their objects (never deletes anything)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	var cl clusterFlags
	cl.register(fs, "the table's counters", false)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("doctor", pos); err != nil {
		return err
	}
	cfg, logger, err := cf.load(stderr)
	if err != nil {
		return err
	}
	rd, err := openClusterReader(ctx, "doctor", cl, cfg, logger)
	if err != nil {
		return err
	}
	if rd != nil {
		defer rd.Close()
		d := &doctor{repair: *repair, progress: stderr, report: DoctorReport{Data: rd.DSN, Problems: []Problem{}}}
		if err := d.runPostgres(ctx, rd.PG, rd.DSNName+" "+rd.DSN); err != nil {
			return err
		}
		return d.finish(stdout, *asJSON)
	}
	if *repair {
		// A repair writes into the table and announces objects: not
		// beside another owner of the folder (issue 11).
		lock, err := lockDataFolder(cfg.Data, "doctor --repair", false)
		if err != nil {
			return fmt.Errorf("doctor --repair: %w", err)
		}
		defer lock.Release()
	}
	d := &doctor{cfg: cfg, repair: *repair, progress: stderr, now: time.Now,
		report: DoctorReport{Data: cfg.Data, Problems: []Problem{}}}
	d.logger = logger
	if err := d.run(ctx); err != nil {
		return err
	}
	return d.finish(stdout, *asJSON)
}

// finish prints the report, as JSON when asJSON, and returns an error
// (exit 1) while problems remain.
func (d *doctor) finish(stdout io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d.report); err != nil {
			return err
		}
	} else {
		d.print(stdout)
	}
	if d.report.Remain > 0 {
		return fmt.Errorf("doctor: %d problems remain in %s", d.report.Remain, d.report.Data)
	}
	return nil
}

// runPostgres checks, and with repair recounts, the counters of a
// cluster's table in PostgreSQL, named where in the report. The items
// are counted from item_counts itself (the communications by status),
// the figure the Operations page shows.
func (d *doctor) runPostgres(ctx context.Context, db *postgres.DB, where string) error {
	fmt.Fprintf(d.progress, "doctor: checking item_counts against the items in %s\n", where)
	start := time.Now()
	if err := d.checkCounts(ctx, db, where); err != nil {
		return err
	}
	byStatus, err := db.CountCommunications(ctx)
	if err != nil {
		return fmt.Errorf("doctor: %w", err)
	}
	for _, n := range byStatus {
		d.report.Items += int(n)
	}
	fmt.Fprintf(d.progress, "doctor: %s checked in %v\n", where, time.Since(start).Round(time.Millisecond))
	d.report.Remain = d.countRemaining()
	return nil
}

// doctor holds one run's state.
type doctor struct {
	cfg      Config
	repair   bool
	threads  map[string]string // s3 key -> the thread id on its item
	progress io.Writer
	logger   *slog.Logger // for the stores; doctor's own output is progress and report
	now      func() time.Time
	report   DoctorReport
	cipher   *fsblob.Cipher // the objects' encryption key; nil for none
}

// add records a problem.
func (d *doctor) add(p Problem) { d.report.Problems = append(d.report.Problems, p) }

// run checks, and with repair fixes, the data folder.
func (d *doctor) run(ctx context.Context) error {
	data := d.cfg.Data
	if fi, err := os.Stat(data); err != nil || !fi.IsDir() {
		return fmt.Errorf("doctor: data folder %q: not a folder (%v)", data, err)
	}
	tablePath := filepath.Join(data, tableFile)

	// The encryption key, checked against the folder's before anything
	// is read: objects are decrypted to be checked.
	cipher, err := d.cfg.Encryption.cipher()
	if err != nil {
		return fmt.Errorf("doctor: %w", err)
	}
	if err := fsblob.CheckKey(filepath.Join(data, objectsDir), d.cfg.BucketName(), cipher); err != nil {
		return fmt.Errorf("doctor: %w", keyHint(err))
	}
	d.cipher = cipher

	// Check both database files in full, read-only.
	tableBad, historyBad := false, false
	for _, name := range []string{tableFile, historyFile} {
		path := filepath.Join(data, name)
		st, err := sqlite.InspectFile(path)
		if err != nil {
			return err
		}
		if !st.Exists {
			if name == tableFile {
				tableBad = true
				d.add(Problem{Kind: ProblemIntegrity, File: path, Detail: "the file is missing"})
			}
			continue
		}
		fmt.Fprintf(d.progress, "doctor: integrity_check %s (%d bytes)\n", path, st.Size)
		start := time.Now()
		problems, err := sqlite.Check(ctx, path, true)
		if err != nil {
			return err
		}
		fmt.Fprintf(d.progress, "doctor: %s checked in %v: %d problems\n", name, time.Since(start).Round(time.Millisecond), len(problems))
		for _, p := range problems {
			d.add(Problem{Kind: ProblemIntegrity, File: path, Detail: p})
		}
		if len(problems) > 0 && name == tableFile {
			tableBad = true
		} else if len(problems) > 0 {
			historyBad = true
		}
	}
	// A missing table in a folder without objects is a fresh folder.
	objectsRoot := filepath.Join(data, objectsDir, d.cfg.BucketName())
	if n, err := countObjects(objectsRoot); err != nil {
		return err
	} else if n == 0 && !fileExists(tablePath) {
		d.report.Problems = d.report.Problems[:0]
		return nil
	}

	// With --repair, move a damaged table aside (never delete it) so that
	// a new one is built from the objects; a damaged flow history is moved
	// aside too (serve starts a new one).
	for _, f := range []struct {
		name string
		bad  *bool
	}{{tableFile, &tableBad}, {historyFile, &historyBad}} {
		if !*f.bad || !d.repair {
			continue
		}
		path := filepath.Join(data, f.name)
		moved, err := d.moveAside(path)
		if err != nil {
			return err
		}
		if f.name == tableFile {
			d.report.MovedTo = moved
			fmt.Fprintf(d.progress, "doctor: moved the damaged table to %s; rebuilding it from the objects\n", moved)
		} else {
			fmt.Fprintf(d.progress, "doctor: moved the damaged flow history to %s\n", moved)
		}
		for i := range d.report.Problems {
			if d.report.Problems[i].File == path {
				d.report.Problems[i].Repaired = true
			}
		}
		*f.bad = false
	}
	if tableBad {
		d.report.Remain = d.countRemaining()
		fmt.Fprintf(d.progress, "doctor: the table cannot be trusted; not comparing it with the objects. %s\n", recoveryHint(data))
		return nil
	}

	// Open the table (checked above) and list its items by object key.
	db := sqlite.NewDB(tablePath)
	db.TableName = d.cfg.TableName()
	db.QuickCheckMaxBytes = -1
	db.Logger = d.logger
	if err := db.Open(); err != nil {
		return fmt.Errorf("doctor: open table: %w", err)
	}
	defer db.Close()
	items := map[string]string{}    // s3 key -> id
	d.threads = map[string]string{} // s3 key -> the item's thread id
	for cursor := ""; ; {
		page, next, err := db.FindItems(ctx, doctales.ItemFilter{Limit: doctales.MaxPageSize, Cursor: cursor})
		if err != nil {
			return fmt.Errorf("doctor: list items: %w", err)
		}
		for _, it := range page {
			items[it.S3Key] = it.ID
			d.threads[it.S3Key] = it.ThreadID
		}
		if next == "" {
			break
		}
		cursor = next
	}
	d.report.Items = len(items)
	fmt.Fprintf(d.progress, "doctor: %d items in the table\n", len(items))

	// The counters of lists' totals and of the Operations page, against
	// the items they count.
	if err := d.checkCounts(ctx, db, tablePath); err != nil {
		return err
	}

	// The size each object's last put announced, where the log still
	// holds its event: a file of another size was truncated or
	// overwritten, whatever its type.
	sizes, err := db.ObjectSizes(ctx)
	if err != nil {
		return fmt.Errorf("doctor: %w", err)
	}

	// With --repair, the store announces what it repairs.
	var store *fsblob.Store
	if d.repair {
		store = fsblob.NewStore(filepath.Join(data, objectsDir), d.cfg.BucketName())
		store.Events = db
		store.Cipher = d.cipher
		if err := store.Open(); err != nil {
			return fmt.Errorf("doctor: open object store: %w", keyHint(err))
		}
		defer store.Close()
	}

	// Walk the objects: each communication object must be readable and
	// have its item.
	seen := map[string]bool{}
	checked := 0
	err = filepath.WalkDir(objectsRoot, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == objectsRoot {
				return fs.SkipAll
			}
			return err
		}
		if !de.Type().IsRegular() || strings.HasPrefix(de.Name(), fsblobTempPrefix) {
			return nil
		}
		rel, err := filepath.Rel(objectsRoot, path)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		isComm := function.IsCommunicationKey(key)
		if isComm {
			d.report.Objects++
			seen[key] = true
		} else {
			d.report.Others++
		}
		if checked++; checked%DefaultDoctorProgressEvery == 0 {
			fmt.Fprintf(d.progress, "doctor: %d objects checked\n", checked)
		}
		if fi, err := de.Info(); err == nil {
			// The announced size is the plaintext's: compare it with
			// the file's less what encryption adds.
			size := fi.Size()
			if d.cipher != nil {
				size = plainSize(path, size)
			}
			if want, ok := sizes[key]; ok && want != size {
				d.add(Problem{Kind: ProblemDamaged, Key: key, ID: items[key],
					Detail: fmt.Sprintf("%d bytes, but its last put stored %d (truncated or overwritten?); restore it from an export", size, want)})
				return nil
			}
		}
		if !isComm {
			return nil
		}
		return d.checkObject(ctx, db, store, path, key, items)
	})
	if err != nil {
		return fmt.Errorf("doctor: walk objects in %q: %w", objectsRoot, err)
	}
	fmt.Fprintf(d.progress, "doctor: %d communication objects checked, %d other objects\n", d.report.Objects, d.report.Others)

	// Items whose object is gone.
	for key, id := range items {
		if !seen[key] {
			d.add(Problem{Kind: ProblemMissing, Key: key, ID: id,
				Detail: "the item's object is missing; restore it from an export"})
		}
	}
	d.report.Remain = d.countRemaining()
	return nil
}

// countedTable is a table with item counters to check and rebuild:
// *sqlite.DB and *postgres.DB.
type countedTable interface {
	CheckItemCounts(context.Context) ([]doctales.CountsMismatch, error)
	RebuildItemCounts(context.Context) error
}

// checkCounts compares item_counts with the items, and with --repair
// recounts them when they differ; tablePath names the table in the
// report.
func (d *doctor) checkCounts(ctx context.Context, db countedTable, tablePath string) error {
	ms, err := db.CheckItemCounts(ctx)
	if err != nil {
		return fmt.Errorf("doctor: %w", err)
	}
	if len(ms) == 0 {
		return nil
	}
	first := len(d.report.Problems)
	for _, m := range ms {
		d.add(Problem{Kind: ProblemCounts, File: tablePath, Detail: m.String() + "; lists' totals and the Operations page's counts are wrong until --repair recounts them"})
	}
	if !d.repair {
		return nil
	}
	if err := db.RebuildItemCounts(ctx); err != nil {
		return fmt.Errorf("doctor: %w", err)
	}
	fmt.Fprintf(d.progress, "doctor: recounted item_counts from the items (%d counters were wrong)\n", len(ms))
	for i := first; i < len(d.report.Problems); i++ {
		d.report.Problems[i].Repaired = true
	}
	return nil
}

// checkObject reads one communication object and compares it with the
// table, repairing a missing item when asked.
func (d *doctor) checkObject(ctx context.Context, db *sqlite.DB, store *fsblob.Store, path, key string, items map[string]string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		d.add(Problem{Kind: ProblemDamaged, Key: key, Detail: fmt.Sprintf("unreadable: %v", err)})
		return nil
	}
	if data, err = fsblob.Decode(d.cipher, key, data); err != nil {
		d.add(Problem{Kind: ProblemDamaged, Key: key, ID: items[key],
			Detail: fmt.Sprintf("%v; restore it from an export", err)})
		return nil
	}
	var c doctales.Communication
	if err := json.Unmarshal(data, &c); err != nil {
		d.add(Problem{Kind: ProblemDamaged, Key: key, ID: items[key],
			Detail: fmt.Sprintf("%d bytes that are not a communication (truncated or overwritten?): %v; restore it from an export", len(data), err)})
		return nil
	}
	if c.ID == "" || doctales.ObjectKey(&c) != key {
		d.add(Problem{Kind: ProblemDamaged, Key: key, ID: items[key],
			Detail: fmt.Sprintf("the communication inside (id %q) does not belong at this key", c.ID)})
		return nil
	}
	if id, ok := items[key]; ok {
		return d.checkThread(ctx, db, key, id, &c)
	}
	p := Problem{Kind: ProblemOrphan, Key: key, ID: c.ID, Detail: "object without an item; --repair rebuilds it"}
	if store != nil {
		// Rebuild the item as ingestion writes it (with its INSERT stream
		// record), then announce the object so extraction follows.
		item := doctales.NewItem(&c, d.now().UTC())
		item.Recovered = true
		if _, _, err := db.CreateItem(ctx, item); err != nil {
			return fmt.Errorf("rebuild item %q from %q: %w", c.ID, key, err)
		}
		if err := store.Announce(ctx, key); err != nil {
			return fmt.Errorf("rebuild item %q: %w", c.ID, err)
		}
		items[key] = c.ID
		p.Repaired, p.Detail = true, "object without an item; item rebuilt, extraction follows when the server runs"
	}
	d.add(p)
	return nil
}

// checkThread reports an item that lacks the thread id its object c
// names, and with --repair copies it onto the item (a MODIFY like any
// other write).
func (d *doctor) checkThread(ctx context.Context, db *sqlite.DB, key, id string, c *doctales.Communication) error {
	t := doctales.ThreadOf(c)
	if t == "" || d.threads[key] == t {
		return nil
	}
	p := Problem{Kind: ProblemThread, Key: key, ID: id,
		Detail: fmt.Sprintf("the item lacks its thread id %q (stored before the table kept it); --repair copies it", t)}
	if d.repair {
		if _, err := db.UpdateItem(ctx, id, doctales.ItemUpdate{ThreadID: &t}); err != nil {
			return fmt.Errorf("copy thread id of item %q: %w", id, err)
		}
		d.threads[key] = t
		p.Repaired, p.Detail = true, fmt.Sprintf("thread id %q copied from the object onto the item", t)
	}
	d.add(p)
	return nil
}

// moveAside renames the database file at path, with its -wal and -shm
// files, to path.damaged-<time> and returns the new name. Nothing is
// deleted.
func (d *doctor) moveAside(path string) (string, error) {
	to := path + ".damaged-" + d.now().UTC().Format("20060102T150405Z")
	for _, ext := range []string{"", "-wal", "-shm"} {
		if !fileExists(path + ext) {
			continue
		}
		if fileExists(to + ext) {
			return "", fmt.Errorf("doctor: move damaged %s aside: %s exists", path+ext, to+ext)
		}
		if err := os.Rename(path+ext, to+ext); err != nil {
			return "", fmt.Errorf("doctor: move damaged %s aside: %w", path+ext, err)
		}
	}
	return to, nil
}

// countRemaining counts the problems not repaired.
func (d *doctor) countRemaining() int {
	n := 0
	for _, p := range d.report.Problems {
		if !p.Repaired {
			n++
		}
	}
	return n
}

// print writes the report as text, one line per problem.
func (d *doctor) print(w io.Writer) {
	r := d.report
	for _, p := range r.Problems {
		state := "PROBLEM "
		if p.Repaired {
			state = "REPAIRED"
		}
		name := p.Key
		if name == "" {
			name = p.File
		}
		if p.ID != "" {
			name += " (id " + p.ID + ")"
		}
		fmt.Fprintf(w, "%s %-15s %s: %s\n", state, p.Kind, name, p.Detail)
	}
	if r.MovedTo != "" {
		fmt.Fprintf(w, "the damaged table was moved to %s\n", r.MovedTo)
	}
	if d.cfg.Data == "" { // a cluster's table: its objects are not read
		fmt.Fprintf(w, "%s: %d items; %d problems, %d remain\n", r.Data, r.Items, len(r.Problems), r.Remain)
		return
	}
	fmt.Fprintf(w, "%s: %d items, %d communication objects, %d other objects; %d problems, %d remain\n",
		r.Data, r.Items, r.Objects, r.Others, len(r.Problems), r.Remain)
}

// plainSize returns the plaintext size of the object file at path, of
// fileSize bytes: less fsblob.Overhead if it is encrypted.
func plainSize(path string, fileSize int64) int64 {
	f, err := os.Open(path)
	if err != nil {
		return fileSize
	}
	defer f.Close()
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	return fsblob.PlainSize(fileSize, head[:n])
}
