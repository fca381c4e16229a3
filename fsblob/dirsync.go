package fsblob

import "sync"

// dirSyncer makes folder syncs shared: every put into a folder must sync it
// after its rename, and concurrent puts into the same folder (every object
// of a day shares one) can share one fsync. A caller registers, then waits
// for a sync that started after it registered; that sync covers its rename.
// Under load this turns N folder fsyncs into about one per fsync duration,
// the same group commit the table does for its transactions.
//
// The same machinery shares whole-file-system syncs (syncfs) between puts
// when syncFunc is set to one.
type dirSyncer struct {
	mu   sync.Mutex
	dirs map[string]*dirSync
	// syncFunc syncs the named folder; nil means syncDirFunc.
	syncFunc func(dir string) error
}

// dirSync is the state of one folder.
type dirSync struct {
	running bool         // a goroutine is syncing the folder
	waiters []chan error // callers waiting for the next sync
}

// syncDirFunc is syncDir; tests replace it to count and slow syncs.
var syncDirFunc = syncDir

// maxIdleDirSyncers bounds the folders remembered while idle.
const maxIdleDirSyncers = 1024

// sync returns once dir has been synced by an fsync that started after the
// call.
func (d *dirSyncer) sync(dir string) error {
	ch := make(chan error, 1)
	d.mu.Lock()
	if d.dirs == nil {
		d.dirs = make(map[string]*dirSync)
	}
	ds := d.dirs[dir]
	if ds == nil {
		ds = &dirSync{}
		d.dirs[dir] = ds
	}
	ds.waiters = append(ds.waiters, ch)
	if !ds.running {
		ds.running = true
		go d.loop(dir, ds)
	}
	d.mu.Unlock()
	return <-ch
}

// loop syncs dir while callers wait, each round serving those that
// registered before it started.
func (d *dirSyncer) loop(dir string, ds *dirSync) {
	for {
		d.mu.Lock()
		ws := ds.waiters
		ds.waiters = nil
		if len(ws) == 0 {
			ds.running = false
			if len(d.dirs) > maxIdleDirSyncers {
				delete(d.dirs, dir)
			}
			d.mu.Unlock()
			return
		}
		d.mu.Unlock()
		sync := d.syncFunc
		if sync == nil {
			sync = syncDirFunc
		}
		err := sync(dir)
		for _, w := range ws {
			w <- err
		}
	}
}
