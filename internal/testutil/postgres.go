package testutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvPostgresDSN names a PostgreSQL server to use instead of starting a
// temporary cluster, such as postgres://user:pw@127.0.0.1:5432/postgres.
// Its user must be allowed to create databases: each test gets its own.
const EnvPostgresDSN = "DOCTALES_POSTGRES_DSN"

// EnvPostgresBin names the directory of initdb and postgres, when they
// are neither on PATH nor in /usr/lib/postgresql/*/bin.
const EnvPostgresBin = "DOCTALES_POSTGRES_BIN"

// PostgresInstallHint says how to get PostgreSQL for the tests.
var PostgresInstallHint = "install it with `apt-get install postgresql` (Debian; its binaries in /usr/lib/postgresql/*/bin are found), " +
	"or set " + EnvPostgresDSN + " to the DSN of a server whose user may create databases"

// pgCluster is the PostgreSQL server shared by the tests of one test
// binary: $DOCTALES_POSTGRES_DSN, or a temporary cluster.
var pgCluster struct {
	once   sync.Once
	admin  string // DSN of a database to run CREATE DATABASE in
	err    error
	server *Postgres // nil when $DOCTALES_POSTGRES_DSN is used
	n      atomic.Int64
}

// PostgresDSN returns the DSN of a new, empty database for tb on a
// PostgreSQL server on this machine, dropped at the end of the test. The
// server is $DOCTALES_POSTGRES_DSN or, without it, a temporary cluster
// started once for the test binary (StartPostgres). When neither is
// available the test is skipped with a hint on how to install it, except
// under CI=true, where that is a failure.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	pgCluster.once.Do(func() {
		if v := os.Getenv(EnvPostgresDSN); v != "" {
			pgCluster.admin = v
			return
		}
		pgCluster.server, pgCluster.err = StartPostgres()
		if pgCluster.err == nil {
			pgCluster.admin = pgCluster.server.DSN
		}
	})
	if pgCluster.err != nil {
		msg := fmt.Sprintf("PostgreSQL is not available (%v); %s", pgCluster.err, PostgresInstallHint)
		if os.Getenv("CI") == "true" {
			tb.Fatal("CI=true: " + msg)
		}
		tb.Skip(msg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, pgCluster.admin)
	if err != nil {
		tb.Fatalf("connect to PostgreSQL at %s: %v", redactDSN(pgCluster.admin), err)
	}
	defer admin.Close(context.Background())
	name := fmt.Sprintf("doctales_test_%d_%d", os.Getpid(), pgCluster.n.Add(1))
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		tb.Fatalf("create test database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, pgCluster.admin)
		if err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})
	dsn, err := withDatabase(pgCluster.admin, name)
	if err != nil {
		tb.Fatal(err)
	}
	return dsn
}

// StopPostgres stops the temporary cluster the test binary started, if
// any, and removes its files. Call it from TestMain after m.Run.
func StopPostgres() {
	if pgCluster.server != nil {
		pgCluster.server.Stop()
	}
}

// Postgres is a temporary PostgreSQL cluster started by StartPostgres.
type Postgres struct {
	DSN string // of its "postgres" database, user postgres
	Dir string // the cluster's directory: data/, the unix socket, server.log

	cmd    *exec.Cmd
	exited chan error
	once   sync.Once
}

// Stop stops the server (SIGINT, PostgreSQL's fast shutdown, then
// SIGKILL if it is still there after 10s) and removes its directory.
func (p *Postgres) Stop() {
	p.once.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		_ = os.RemoveAll(p.Dir)
	})
}

// StartPostgres creates a temporary PostgreSQL cluster (initdb into a new
// directory under os.TempDir) and starts its server on 127.0.0.1, on a
// free port, with its unix socket in that directory. It returns the DSN
// of its "postgres" database (user postgres, trust authentication on
// 127.0.0.1 only); the server dies with the calling process (Pdeathsig)
// and Stop stops it.
//
// The server runs with wal_level=logical (and 8 replication slots and WAL
// senders), so that a test can read the changes through a logical
// replication slot (postgres.BenchmarkChangeCapture compares that with
// the outbox); the default, replica, refuses
// pg_create_logical_replication_slot. Without a slot it adds a little to
// some WAL records and nothing noticeable at start: the server accepted
// sessions 0.23 to 0.41 s after its start with it, 0.24 to 0.32 s
// without (three starts each, on a loaded machine).
//
// initdb refuses to run as root: as root, initdb and the server run as
// the "postgres" user (the Debian package creates it; else "nobody"),
// which owns the directory.
func StartPostgres() (_ *Postgres, err error) {
	bin, err := postgresBin()
	if err != nil {
		return nil, err
	}
	cred, err := unprivileged()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "doctales-postgres-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dir)
		}
	}()
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("give %s to uid %d: %w", dir, cred.Uid, err)
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb -D %s: %v: %s", data, err, strings.TrimSpace(string(out)))
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	// The server runs in the foreground as our child (pg_ctl would
	// detach it and outlive a killed test binary).
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "logging_collector=off",
		"-c", "wal_level=logical", "-c", "max_replication_slots=8", "-c", "max_wal_senders=8")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	cmd.Dir = dir
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	dsn := fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))

	// Wait until it accepts a session, or exits, or 30s pass.
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, cerr := pgx.Connect(ctx, dsn)
		cancel()
		if cerr == nil {
			_ = c.Close(context.Background())
			return &Postgres{DSN: dsn, Dir: dir, cmd: cmd, exited: exited}, nil
		}
		select {
		case werr := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			return nil, fmt.Errorf("postgres exited (%v): %s", werr, strings.TrimSpace(string(log)))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return nil, fmt.Errorf("postgres did not accept sessions on 127.0.0.1:%d within 30s: %v", port, cerr)
		}
	}
}

// postgresBin returns the directory of initdb and postgres:
// $DOCTALES_POSTGRES_BIN, else from PATH, else the newest
// /usr/lib/postgresql/*/bin (Debian's layout).
func postgresBin() (string, error) {
	if d := os.Getenv(EnvPostgresBin); d != "" {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			return "", fmt.Errorf("%s=%s has no initdb: %w", EnvPostgresBin, d, err)
		}
		return d, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "postgres")); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("initdb is neither on PATH nor in /usr/lib/postgresql/*/bin")
}

// unprivileged returns the credential to run initdb and the server with
// when this process is root (the "postgres" user, else "nobody"), or nil
// when it is not root.
func unprivileged() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
	}
	return nil, errors.New("running as root and neither user postgres nor nobody exists to run initdb as")
}

// withDatabase returns dsn with its database replaced by name; dsn is a
// postgres:// URL or a keyword=value string.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("%s is not a valid URL: %w", EnvPostgresDSN, err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return dsn + " dbname=" + name, nil // a later keyword overrides
}

// redactDSN returns dsn without its password, for messages.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		return u.String()
	}
	if i := strings.Index(dsn, "password="); i >= 0 {
		return dsn[:i] + "password=xxxxx"
	}
	return dsn
}
