package fsblob

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/diskspace"
)

// Limits and defaults of a Store.
const (
	// MaxKeyBytes is the longest object key, in bytes: S3's limit.
	MaxKeyBytes = 1024

	// MaxSegmentBytes is the longest segment of a key between two "/", in
	// bytes: the longest file name of common local file systems.
	MaxSegmentBytes = 255

	// DefaultRegion is the awsRegion of the events: the region of the
	// original deployment (samconfig: us-east-1).
	DefaultRegion = "us-east-1"

	// DefaultPrincipalID is the principalId of the events' userIdentity and
	// of the bucket owner.
	DefaultPrincipalID = "doctales"

	// DefaultConfigurationID is the s3.configurationId of the events: the
	// name of the notification configuration that sends them.
	DefaultConfigurationID = "doctales-object-created"

	// maxSyncedDirs bounds the set of folders known to be durable; past it
	// the set is cleared and folders are synced again once.
	maxSyncedDirs = 4096

	// keyLockStripes is the number of locks keys are spread over.
	keyLockStripes = 256
)

// tempPrefix starts the name of every temporary file; validateKey rejects a
// key segment that starts with it, so Open never removes an object.
const tempPrefix = ".fsblob-tmp-"

// ErrClosed is returned by the methods of a Store that is not open.
var ErrClosed = errors.New("fsblob: store is not open")

// Store is an object store on a local folder. Create it with NewStore, set
// its fields, then call Open. Its methods are safe for concurrent use;
// concurrent puts of one key leave one complete version.
type Store struct {
	dir string // Root/BucketName, set by Open

	// mu is held for reading by every operation and for writing by Open and
	// Close, so Close waits for operations in flight.
	mu   sync.RWMutex
	open bool

	// keyLocks serialise the rename and announcement of one key, so that
	// its events are appended in sequencer order and the last one describes
	// the surviving file. Keys share locks by hash.
	keyLocks [keyLockStripes]sync.Mutex

	// seqMu guards lastSeq, the last sequencer given out.
	seqMu   sync.Mutex
	lastSeq int64

	// dirSyncs shares folder fsyncs between concurrent puts; fsSyncs
	// shares whole-file-system syncs (GroupSync).
	dirSyncs dirSyncer
	fsSyncs  dirSyncer

	// noSpaceN counts puts that failed for want of space (ENOSPC,
	// EDQUOT); see NoSpaceErrors.
	noSpaceN atomic.Int64

	// dirsMu guards syncedDirs, the folders whose entries are known to be
	// durable up to the bucket folder.
	dirsMu     sync.Mutex
	syncedDirs map[string]bool

	// sweepStop, closed by Close, stops the sweep of temporary files
	// Open starts; swept is closed when it has ended; sweepErr holds
	// why it stopped early, if it did.
	sweepStop chan struct{}
	swept     chan struct{}
	sweepErr  atomic.Value

	// Root is the folder that holds the bucket folders. Required.
	Root string

	// BucketName is the bucket, a folder under Root. It must follow S3's
	// bucket naming rules (3 to 63 characters of a-z, 0-9, "." and "-").
	// Required.
	BucketName string

	// Events receives one aws:s3 record per put. Nil means no events.
	Events doctales.EventLog

	// Region is the awsRegion of the events. Empty means DefaultRegion.
	Region string

	// PrincipalID is the principalId of the events. Empty means
	// DefaultPrincipalID.
	PrincipalID string

	// ConfigurationID is the s3.configurationId of the events. Empty means
	// DefaultConfigurationID.
	ConfigurationID string

	// GroupSync makes puts share durability work: on Linux each put writes
	// an unnamed file and links it at its key without an fsync of its own,
	// and one syncfs of the file system then makes every put waiting at
	// that moment durable (a group commit, like the table's). Put still
	// returns only after its object is durable. False syncs each file and
	// its folder. NewStore sets it.
	GroupSync bool

	// Now returns the time of a put: its LastModified and eventTime, cut to
	// milliseconds like S3's. Nil means time.Now.
	Now func() time.Time

	// Cipher, when set, encrypts every object put with AES-256-GCM (see
	// NewCipher and the package documentation); Get decrypts, and reads
	// objects that are not encrypted as they are. Open checks it against
	// the folder's key check file, and writes that file the first time.
	// Nil stores objects in clear, and Open refuses a folder whose key
	// check file says its objects are encrypted.
	Cipher *Cipher

	// SweepAfter, when set, holds back the sweep of temporary files that
	// Open starts until it is closed (or Close stops the sweep): serve
	// closes it once it listens, so that the walk of every folder of the
	// bucket (seconds of a core for a million objects) does not compete
	// with the start (issue 15). Files are swept by the same rule either
	// way: those last modified before Open, less a second. Nil starts the
	// sweep at once.
	SweepAfter <-chan struct{}

	// ReadOnly opens the store for reading beside the process that owns
	// the folder (doctales export while the server runs, issue 11): Open
	// creates, writes and removes nothing (in particular not the owner's
	// temporary files of puts in flight), the bucket folder must exist,
	// and Put and Delete fail with ErrReadOnly.
	ReadOnly bool
}

// ErrReadOnly is returned by Put and Delete on a store opened ReadOnly.
var ErrReadOnly = errors.New("fsblob: store opened read-only")

var _ doctales.ObjectStore = (*Store)(nil)

// NewStore returns a Store for bucket in the folder root, with the default
// region and clock. Call Open before using it.
func NewStore(root, bucket string) *Store {
	return &Store{
		Root:            root,
		BucketName:      bucket,
		Region:          DefaultRegion,
		PrincipalID:     DefaultPrincipalID,
		ConfigurationID: DefaultConfigurationID,
		GroupSync:       true,
		Now:             time.Now,
	}
}

// Open validates the settings, creates <Root>/<BucketName> if needed and
// starts removing the temporary files a crash left behind, in the
// background once SweepAfter is closed (Swept tells when it is done;
// Close stops it). Opening an open store is an error.
func (s *Store) Open() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open {
		return errors.New("fsblob: store is already open")
	}

	// Validate and default the settings.
	if s.Root == "" {
		return errors.New("fsblob: root required")
	}
	if err := validateBucket(s.BucketName); err != nil {
		return err
	}
	if s.Region == "" {
		s.Region = DefaultRegion
	}
	if s.PrincipalID == "" {
		s.PrincipalID = DefaultPrincipalID
	}
	if s.ConfigurationID == "" {
		s.ConfigurationID = DefaultConfigurationID
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	s.syncedDirs = make(map[string]bool)
	// GroupSync's shared sync is a syncfs of the file system (Linux): the
	// puts it serves wrote unnamed files without an fsync of their own.
	s.fsSyncs.syncFunc = syncFS

	s.dir = filepath.Join(s.Root, s.BucketName)
	if s.ReadOnly {
		if fi, err := os.Stat(s.dir); err != nil {
			return fmt.Errorf("fsblob: bucket folder %q: %w", s.dir, err)
		} else if !fi.IsDir() {
			return fmt.Errorf("fsblob: bucket folder %q is not a folder", s.dir)
		}
		if err := CheckKey(s.Root, s.BucketName, s.Cipher); err != nil {
			return err
		}
		s.open = true
		return nil
	}

	// Create the bucket folder and make its entry durable.
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("fsblob: create bucket folder %q: %w", s.dir, err)
	}
	if err := syncDir(s.Root); err != nil {
		return fmt.Errorf("fsblob: %w", err)
	}
	if fi, err := os.Stat(s.dir); err != nil {
		return fmt.Errorf("fsblob: bucket folder %q: %w", s.dir, err)
	} else if !fi.IsDir() {
		return fmt.Errorf("fsblob: bucket folder %q is not a folder", s.dir)
	}

	// Check the encryption key against the folder's, before anything is
	// read or written; the first Open with a key records it.
	if err := CheckKey(s.Root, s.BucketName, s.Cipher); err != nil {
		return err
	}
	if s.Cipher != nil {
		if _, err := os.Stat(KeyCheckPath(s.Root, s.BucketName)); errors.Is(err, fs.ErrNotExist) {
			if err := s.writeKeyCheck(); err != nil {
				return err
			}
		} else if err != nil {
			return fmt.Errorf("fsblob: %w", err)
		}
	}

	// Remove the temporary files of puts that never reached their
	// rename, in the background: the walk reads every folder of the
	// bucket, seconds for a million objects, and nothing needs it done
	// before serving (List and Get skip temporary files). Only files
	// older than the sweep's start, less a second for the file system's
	// coarse clock, are removed: a put of this process, started meanwhile,
	// keeps its own (issue 15).
	s.sweepStop = make(chan struct{})
	s.swept = make(chan struct{})
	go s.sweepTemp(time.Now().Add(-time.Second), s.SweepAfter, s.sweepStop, s.swept)

	s.open = true
	return nil
}

// Close waits for the operations in flight and closes the store. Closing a
// closed store does nothing. It never fails.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open && s.sweepStop != nil {
		close(s.sweepStop)
		<-s.swept
		s.sweepStop = nil
	}
	s.open = false
	return nil
}

// Swept returns a channel closed when the sweep of temporary files that
// Open started has ended (done, failed or stopped by Close); nil before
// Open, and on a ReadOnly store, which sweeps nothing.
func (s *Store) Swept() <-chan struct{} {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.swept
}

// sweepTemp waits for after to be closed (nil: does not wait), then
// removes the temporary files under the bucket folder last modified before
// cutoff, until stop is closed, then closes done. A failure is not fatal
// (the files are invisible to readers; the next Open tries again): it ends
// the sweep and is recorded in SweepErr.
func (s *Store) sweepTemp(cutoff time.Time, after, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	if after != nil {
		select {
		case <-after:
		case <-stop:
			return
		}
	}
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		select {
		case <-stop:
			return fs.SkipAll
		default:
		}
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasPrefix(d.Name(), tempPrefix) {
			return nil
		}
		if fi, err := d.Info(); err != nil || !fi.ModTime().Before(cutoff) {
			return nil // gone meanwhile, or a put of this process
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	})
	if err != nil {
		s.sweepErr.Store(fmt.Errorf("fsblob: remove temporary files in %q: %w", s.dir, err))
	}
}

// SweepErr returns why the last sweep of temporary files stopped early,
// nil if it did not (or has not ended: see Swept).
func (s *Store) SweepErr() error {
	if err, ok := s.sweepErr.Load().(error); ok {
		return err
	}
	return nil
}

// Bucket returns the bucket name.
func (s *Store) Bucket() string { return s.BucketName }

// Put stores data under key, replacing any object there, and returns only
// when the data is durable and, if Events is set, its ObjectCreated:Put event
// is appended. contentType is not kept: a folder has no place for it.
//
// An invalid key is EINVALID with Field "key"; a key that is a folder of
// objects, or lies under an object, is ECONFLICT. If the event cannot be
// appended, Put returns an error although the object is stored; putting it
// again stores and announces it again. The event is appended even if ctx is
// cancelled once the object is in place, so a stored object is never left
// unannounced because its caller went away.
func (s *Store) Put(ctx context.Context, key string, data []byte, contentType string) (doctales.ObjectInfo, error) {
	if err := validateKey(key); err != nil {
		return doctales.ObjectInfo{}, err
	}
	if s.ReadOnly {
		return doctales.ObjectInfo{}, fmt.Errorf("put object %q: %w", key, ErrReadOnly)
	}
	if err := ctx.Err(); err != nil {
		return doctales.ObjectInfo{}, s.spaceError(fmt.Errorf("put object %q: %w", key, err))
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.open {
		return doctales.ObjectInfo{}, ErrClosed
	}

	// Make sure the target's folder exists and is durable.
	path := s.path(key)
	dir := filepath.Dir(path)
	if err := s.ensureDir(key, dir); err != nil {
		return doctales.ObjectInfo{}, s.spaceError(err)
	}

	// Write the data, encrypted if a cipher is set, to an unnamed or
	// temporary file in the target's folder and sync it.
	now := s.Now().UTC().Truncate(time.Millisecond)
	file := data
	if s.Cipher != nil {
		file = s.Cipher.seal(key, data)
	}
	pw, err := newPendingWrite(dir, file, now, s.GroupSync && canSyncFS)
	if err != nil {
		return doctales.ObjectInfo{}, s.spaceError(fmt.Errorf("put object %q: %w", key, err))
	}
	defer pw.abort()

	sum := md5.Sum(data)
	info := doctales.ObjectInfo{
		Bucket:       s.BucketName,
		Key:          key,
		Size:         int64(len(data)),
		ETag:         hex.EncodeToString(sum[:]),
		LastModified: now,
	}

	// Rename over the target, sync the folder and announce, holding the
	// key's lock so that the key's events follow the order of its renames.
	l := &s.keyLocks[stripe(key)]
	l.Lock()
	defer l.Unlock()
	if fi, err := os.Lstat(path); err == nil && fi.IsDir() {
		return doctales.ObjectInfo{}, doctales.FieldErrorf(doctales.ECONFLICT, "key",
			"key %q is a folder of other objects in bucket %q", key, s.BucketName)
	}
	if err := pw.commit(path); err != nil {
		return doctales.ObjectInfo{}, s.spaceError(fmt.Errorf("put object %q: %w", key, err))
	}
	syncs, syncDir := &s.dirSyncs, dir
	if !pw.synced() {
		syncs, syncDir = &s.fsSyncs, s.dir
	}
	if err := syncs.sync(syncDir); err != nil {
		return doctales.ObjectInfo{}, s.spaceError(fmt.Errorf("put object %q: %w", key, err))
	}
	seq := s.nextSequencer()
	if s.Events == nil {
		return info, nil
	}
	rec, err := s.event(info, seq)
	if err != nil {
		return doctales.ObjectInfo{}, fmt.Errorf("put object %q: event: %w", key, err)
	}
	if err := s.Events.Append(context.WithoutCancel(ctx), rec); err != nil {
		// The event log reports its own full disk (sqlite: ENOSPACE).
		return doctales.ObjectInfo{}, fmt.Errorf("put object %q: append event: %w", key, err)
	}
	return info, nil
}

// Get returns the data and description of the object under key. A missing
// object is ENOTFOUND; an invalid key is EINVALID.
func (s *Store) Get(ctx context.Context, key string) ([]byte, doctales.ObjectInfo, error) {
	if err := validateKey(key); err != nil {
		return nil, doctales.ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, doctales.ObjectInfo{}, fmt.Errorf("get object %q: %w", key, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.open {
		return nil, doctales.ObjectInfo{}, ErrClosed
	}

	// Open the file; a missing file or a folder is a missing object.
	f, err := os.Open(s.path(key))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, doctales.ObjectInfo{}, s.notFound(key)
	} else if err != nil {
		return nil, doctales.ObjectInfo{}, fmt.Errorf("get object %q: %w", key, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, doctales.ObjectInfo{}, fmt.Errorf("get object %q: %w", key, err)
	} else if !fi.Mode().IsRegular() {
		return nil, doctales.ObjectInfo{}, s.notFound(key)
	}

	// Read it whole. Put never writes in place, so the open file is one
	// complete version of exactly the size Stat gave.
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, doctales.ObjectInfo{}, fmt.Errorf("get object %q: %w", key, err)
	}
	// Size and ETag are the plaintext's, as S3 reports them with
	// server-side encryption.
	data, err = Decode(s.Cipher, key, data)
	if err != nil {
		return nil, doctales.ObjectInfo{}, err
	}
	sum := md5.Sum(data)
	return data, doctales.ObjectInfo{
		Bucket:       s.BucketName,
		Key:          key,
		Size:         int64(len(data)),
		ETag:         hex.EncodeToString(sum[:]),
		LastModified: fi.ModTime().UTC(),
	}, nil
}

// Delete removes the object under key. Like S3, deleting a missing object is
// not an error. No event is appended: the pipeline subscribes to
// ObjectCreated only. An invalid key is EINVALID.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := validateKey(key); err != nil {
		return err
	}
	if s.ReadOnly {
		return fmt.Errorf("delete object %q: %w", key, ErrReadOnly)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete object %q: %w", key, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.open {
		return ErrClosed
	}

	l := &s.keyLocks[stripe(key)]
	l.Lock()
	defer l.Unlock()
	path := s.path(key)
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		return nil // missing, or a folder: no object by that key
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete object %q: %w", key, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("delete object %q: %w", key, err)
	}
	return nil
}

// List returns the objects whose keys start with prefix, sorted by key. It
// does not read the objects, so their ETag is empty; with a Cipher it reads
// each file's first bytes, so that Size is the plaintext's. It is meant for
// tools: it walks the folder on each call.
func (s *Store) List(ctx context.Context, prefix string) ([]doctales.ObjectInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.open {
		return nil, ErrClosed
	}

	// Walk only the folder the prefix's complete segments name.
	start := s.dir
	if i := strings.LastIndex(prefix, "/"); i > 0 && validateKey(prefix[:i]) == nil {
		start = s.path(prefix[:i])
	}
	var out []doctales.ObjectInfo
	err := filepath.WalkDir(start, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == start {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), tempPrefix) {
			return nil
		}
		rel, err := filepath.Rel(s.dir, path)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted while walking
		} else if err != nil {
			return err
		}
		size := fi.Size()
		if s.Cipher != nil {
			if size, err = plainSizeOf(path, size); errors.Is(err, fs.ErrNotExist) {
				return nil
			} else if err != nil {
				return err
			}
		}
		out = append(out, doctales.ObjectInfo{
			Bucket: s.BucketName, Key: key, Size: size, LastModified: fi.ModTime().UTC(),
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list objects %q: %w", prefix, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// NoSpaceErrors returns how many puts have failed since Open because the
// file system of Root was full (ENOSPC or EDQUOT). The serve command's
// /readyz watches it to report "no space" until space returns.
func (s *Store) NoSpaceErrors() int64 { return s.noSpaceN.Load() }

// spaceError returns err as an ENOSPACE error naming Root and the bytes
// free when the put failed for want of space (ENOSPC, EDQUOT), counting it;
// any other err is returned unchanged. The put's temporary or unnamed file
// is removed by its abort, so nothing half-written is visible.
func (s *Store) spaceError(err error) error {
	if !diskspace.IsNoSpace(err) || doctales.ErrorCode(err) == doctales.ENOSPACE {
		return err
	}
	s.noSpaceN.Add(1)
	return diskspace.Error(s.Root, err)
}

// path returns the file of a valid key.
func (s *Store) path(key string) string {
	return filepath.Join(s.dir, filepath.FromSlash(key))
}

// notFound returns the ENOTFOUND error for key.
func (s *Store) notFound(key string) error {
	return doctales.Errorf(doctales.ENOTFOUND, "Object %q not found in bucket %q.", key, s.BucketName)
}

// ensureDir creates dir, the folder of key, and every folder between it and
// the bucket folder, and syncs each one's parent so their entries survive a
// crash. A folder is synced once per process: syncedDirs remembers it.
func (s *Store) ensureDir(key, dir string) error {
	s.dirsMu.Lock()
	done := s.syncedDirs[dir]
	s.dirsMu.Unlock()
	if done || dir == s.dir {
		return nil
	}

	// Walk down from the bucket folder. A folder that exists is synced in
	// its parent too: another put may have created it and not yet synced.
	rel, err := filepath.Rel(s.dir, dir)
	if err != nil {
		return fmt.Errorf("put object %q: %w", key, err)
	}
	parent := s.dir
	for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
		cur := filepath.Join(parent, seg)
		err := os.Mkdir(cur, 0o755)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			if errors.Is(err, syscall.ENOTDIR) {
				return s.conflict(key)
			}
			return fmt.Errorf("put object %q: create folder: %w", key, err)
		}
		if fi, err := os.Stat(cur); err != nil {
			return fmt.Errorf("put object %q: %w", key, err)
		} else if !fi.IsDir() {
			return s.conflict(key)
		}
		if err := syncDir(parent); err != nil {
			return fmt.Errorf("put object %q: %w", key, err)
		}
		parent = cur
	}

	s.dirsMu.Lock()
	if len(s.syncedDirs) >= maxSyncedDirs {
		clear(s.syncedDirs)
	}
	s.syncedDirs[dir] = true
	s.dirsMu.Unlock()
	return nil
}

// conflict returns the ECONFLICT error for a key under an object.
func (s *Store) conflict(key string) error {
	return doctales.FieldErrorf(doctales.ECONFLICT, "key",
		"key %q lies under another object in bucket %q; a folder store cannot hold both", key, s.BucketName)
}

// writeTemp writes data to a new temporary file in dir, with modification
// time mtime, syncs and closes it, and returns its path.
func writeTemp(dir string, data []byte, mtime time.Time) (string, error) {
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chtimes(name, mtime, mtime)
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// syncDir makes the entries of the folder dir durable. Windows cannot sync a
// folder, and renames there are durable on return.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync folder %q: %w", dir, err)
	}
	return nil
}

// nextSequencer returns the sequencer of a put: the wall clock in
// nanoseconds, or one more than the last one if the clock has not moved on,
// as zero-padded upper-case hex so that string order is numeric order.
func (s *Store) nextSequencer() string {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	s.lastSeq = max(s.lastSeq+1, time.Now().UnixNano())
	return fmt.Sprintf("%016X", s.lastSeq)
}

// stripe returns the index of key's lock.
func stripe(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % keyLockStripes)
}

// s3Record is an S3 event notification record, with its fields in S3's order
// and eventTime formatted as S3 does. It unmarshals into
// events.S3EventRecord; it is declared here because that type writes
// urlDecodedKey, which S3 does not send, and drops a zero size.
type s3Record struct {
	EventVersion      string     `json:"eventVersion"`
	EventSource       string     `json:"eventSource"`
	AWSRegion         string     `json:"awsRegion"`
	EventTime         string     `json:"eventTime"`
	EventName         string     `json:"eventName"`
	UserIdentity      s3Identity `json:"userIdentity"`
	RequestParameters struct {
		SourceIPAddress string `json:"sourceIPAddress"`
	} `json:"requestParameters"`
	ResponseElements struct {
		RequestID string `json:"x-amz-request-id"`
		ID2       string `json:"x-amz-id-2"`
	} `json:"responseElements"`
	S3 struct {
		SchemaVersion   string `json:"s3SchemaVersion"`
		ConfigurationID string `json:"configurationId"`
		Bucket          struct {
			Name          string     `json:"name"`
			OwnerIdentity s3Identity `json:"ownerIdentity"`
			ARN           string     `json:"arn"`
		} `json:"bucket"`
		Object struct {
			Key       string `json:"key"`
			Size      int64  `json:"size"`
			ETag      string `json:"eTag"`
			Sequencer string `json:"sequencer"`
		} `json:"object"`
	} `json:"s3"`
}

// s3Identity is an S3 principal.
type s3Identity struct {
	PrincipalID string `json:"principalId"`
}

// event returns the log record announcing the put described by info.
func (s *Store) event(info doctales.ObjectInfo, sequencer string) (*doctales.LogRecord, error) {
	var r s3Record
	r.EventVersion = "2.1"
	r.EventSource = doctales.SourceS3
	r.AWSRegion = s.Region
	r.EventTime = info.LastModified.UTC().Format("2006-01-02T15:04:05.000Z")
	r.EventName = "ObjectCreated:Put"
	r.UserIdentity.PrincipalID = s.PrincipalID
	r.RequestParameters.SourceIPAddress = "127.0.0.1"
	r.ResponseElements.RequestID, r.ResponseElements.ID2 = requestIDs()
	r.S3.SchemaVersion = "1.0"
	r.S3.ConfigurationID = s.ConfigurationID
	r.S3.Bucket.Name = s.BucketName
	r.S3.Bucket.OwnerIdentity.PrincipalID = s.PrincipalID
	r.S3.Bucket.ARN = "arn:aws:s3:::" + s.BucketName
	r.S3.Object.Key = EncodeKey(info.Key)
	r.S3.Object.Size = info.Size
	r.S3.Object.ETag = info.ETag
	r.S3.Object.Sequencer = sequencer
	data, err := json.Marshal(&r)
	if err != nil {
		return nil, err
	}
	return &doctales.LogRecord{Source: doctales.SourceS3, Key: info.Key, Data: data}, nil
}

// requestIDs returns a random x-amz-request-id (16 upper-case hex digits) and
// x-amz-id-2 (64 base64 characters), shaped like S3's.
func requestIDs() (string, string) {
	var b [8 + 48]byte
	rand.Read(b[:]) // never fails
	return strings.ToUpper(hex.EncodeToString(b[:8])), base64.StdEncoding.EncodeToString(b[8:])
}

// EncodeKey returns key URL-encoded as S3 writes it in event notifications:
// each segment form-encoded (a space becomes "+", other reserved bytes %XX),
// the "/" between segments kept. url.QueryUnescape reverses it.
func EncodeKey(key string) string {
	segs := strings.Split(key, "/")
	for i, seg := range segs {
		segs[i] = url.QueryEscape(seg)
	}
	return strings.Join(segs, "/")
}

// validateKey returns an EINVALID error naming the field "key" unless key is
// a relative "/"-separated path of at most MaxKeyBytes bytes of UTF-8 whose
// segments are non-empty, at most MaxSegmentBytes bytes, not "." or "..",
// without backslashes or control characters, and not temporary file names.
func validateKey(key string) error {
	bad := func(format string, args ...any) error {
		return doctales.FieldErrorf(doctales.EINVALID, "key", "key %s: "+format, append([]any{quote(key)}, args...)...)
	}
	switch {
	case key == "":
		return doctales.FieldErrorf(doctales.EINVALID, "key", "key is empty")
	case len(key) > MaxKeyBytes:
		return bad("is %d bytes; the limit is %d", len(key), MaxKeyBytes)
	case !utf8.ValidString(key):
		return bad("is not valid UTF-8")
	case strings.HasPrefix(key, "/"):
		return bad("must be relative, not start with \"/\"")
	case strings.ContainsRune(key, '\\'):
		return bad("must not contain a backslash; use \"/\" between segments")
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return bad("must not contain control characters such as NUL")
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return bad("has an empty segment")
		case seg == "." || seg == "..":
			return bad("must not contain a %q segment", seg)
		case len(seg) > MaxSegmentBytes:
			return bad("has a segment of %d bytes; the limit is %d", len(seg), MaxSegmentBytes)
		case strings.HasPrefix(seg, tempPrefix):
			return bad("has a segment starting with %q, reserved for temporary files", tempPrefix)
		}
	}
	return nil
}

// validateBucket checks S3's bucket naming rules.
func validateBucket(name string) error {
	ok := len(name) >= 3 && len(name) <= 63 && !strings.Contains(name, "..")
	for i, c := range []byte(name) {
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (c != '.' && c != '-' || i == 0 || i == len(name)-1) {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("fsblob: bucket name %q: use 3 to 63 characters of a-z, 0-9, \".\" and \"-\", starting and ending with a letter or digit", name)
	}
	return nil
}

// quote quotes s for an error message, cut to 64 bytes.
func quote(s string) string {
	if len(s) > 64 {
		return fmt.Sprintf("%q…", s[:64])
	}
	return fmt.Sprintf("%q", s)
}

// Keys returns the keys of the objects whose key starts with prefix, in
// key order: List without the sizes, for function.ObjectRemover.
func (s *Store) Keys(ctx context.Context, prefix string) ([]string, error) {
	infos, err := s.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(infos))
	for i, o := range infos {
		keys[i] = o.Key
	}
	return keys, nil
}
