package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales/postgres"
)

// electionInterval is short so that the tests take over quickly.
const electionInterval = 100 * time.Millisecond

// leaders counts the lead functions running at once across electors and
// remembers the most ever seen: the election's promise is at most one.
type leaders struct {
	active, most atomic.Int32
	mu           sync.Mutex
	order        []string // who started leading, in order
}

// lead returns a lead function for the elector named name: it counts
// itself active until its context ends.
func (l *leaders) lead(name string) func(context.Context) error {
	return func(ctx context.Context) error {
		n := l.active.Add(1)
		for {
			m := l.most.Load()
			if n <= m || l.most.CompareAndSwap(m, n) {
				break
			}
		}
		l.mu.Lock()
		l.order = append(l.order, name)
		l.mu.Unlock()
		<-ctx.Done()
		l.active.Add(-1)
		return nil
	}
}

func (l *leaders) started() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.order...)
}

// elector runs an Elector for the relay's key on db until the returned
// stop is called (or the test ends); stop waits for Run to return.
func runElector(t *testing.T, db *postgres.DB, l *leaders, name string) (*postgres.Elector, func()) {
	t.Helper()
	e := &postgres.Elector{DB: db, Key: postgres.RelayLeaderLockKey, Name: "relay", Interval: electionInterval}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx, l.lead(name)) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("elector %s: Run = %v", name, err)
			}
		})
	}
	t.Cleanup(stop)
	return e, stop
}

// waitFor polls cond every 10 ms until it holds, failing after timeout
// with what describe says.
func waitFor(t *testing.T, timeout time.Duration, describe func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, describe())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func states(es ...*postgres.Elector) string {
	s := ""
	for i, e := range es {
		s += fmt.Sprintf("elector %d %s (%d terms); ", i, e.State(), e.Terms())
	}
	return s
}

// pair is two electors on one database, each with its own pool as two
// processes would have, once one of them leads.
type pair struct {
	db                    *postgres.DB // the first elector's
	a, b, leader, other   *postgres.Elector
	stopLeader, stopOther func()
}

// electPair runs two electors recording into l and waits until one leads.
func electPair(t *testing.T, l *leaders) pair {
	t.Helper()
	dbA, dsn := mustOpen(t, postgres.Options{})
	dbB := mustOpenDSN(t, dsn, postgres.Options{})
	a, stopA := runElector(t, dbA, l, "a")
	b, stopB := runElector(t, dbB, l, "b")
	waitFor(t, 10*time.Second, func() string { return "no leader: " + states(a, b) },
		func() bool { return a.Leading() || b.Leading() })
	p := pair{db: dbA, a: a, b: b, leader: a, other: b, stopLeader: stopA, stopOther: stopB}
	if b.Leading() {
		p.leader, p.other, p.stopLeader, p.stopOther = b, a, stopB, stopA
	}
	return p
}

// TestElector_OneLeadsThenTakeOver: two electors, each with its own pool
// on one database as two processes would have, elect exactly one leader;
// when the leader stops (its Run cancelled, as at a process's shutdown),
// the other takes over, and their lead functions never overlap.
func TestElector_OneLeadsThenTakeOver(t *testing.T) {
	var l leaders
	p := electPair(t, &l)
	a, b, leader, stopLeader, other := p.a, p.b, p.leader, p.stopLeader, p.other
	// The other stands by for several of its tries (each Interval).
	deadline := time.Now().Add(10 * electionInterval)
	for time.Now().Before(deadline) {
		if other.Leading() || !leader.Leading() {
			t.Fatalf("the leader changed with no cause: %s", states(a, b))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if leader.State() != "leader" || other.State() != "standby" {
		t.Fatalf("states: %s", states(a, b))
	}

	stopLeader()
	if leader.Leading() {
		t.Fatalf("a stopped elector still leads: %s", states(a, b))
	}
	waitFor(t, 10*time.Second, func() string { return "no takeover: " + states(a, b) }, other.Leading)
	// Leading is true from the lock; the lead function starts after the
	// takeover delay.
	waitFor(t, 10*time.Second, func() string { return fmt.Sprintf("the new leader's work never started: %v", l.started()) },
		func() bool { return len(l.started()) >= 2 })
	if m := l.most.Load(); m != 1 {
		t.Fatalf("%d lead functions ran at once", m)
	}
	if got := l.started(); len(got) != 2 || got[0] == got[1] {
		t.Fatalf("leaders in order: %v, want each once", got)
	}
}

// TestElector_LeaderSessionLost: the leader's lock session is terminated
// by the server (pg_terminate_backend, as when its connection is cut):
// PostgreSQL releases the lock, the standby takes it, and the old leader
// stops leading before the new one starts (its check fails within an
// Interval, and a new leader waits two). The old one then stands by, and
// takes over again when the new one stops.
func TestElector_LeaderSessionLost(t *testing.T) {
	var l leaders
	p := electPair(t, &l)
	a, b, leader, other, stopOther, dbA := p.a, p.b, p.leader, p.other, p.stopOther, p.db

	ctx := context.Background()
	var killed int
	err := dbA.Pool().QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = $1`,
		postgres.RelayLeaderLockKey).Scan(&killed)
	if err != nil || killed != 1 {
		t.Fatalf("terminate the lock holder's session: %d terminated, %v", killed, err)
	}
	waitFor(t, 10*time.Second, func() string { return "no takeover after the session was cut: " + states(a, b) },
		func() bool { return other.Leading() && !leader.Leading() })
	waitFor(t, 10*time.Second, func() string { return fmt.Sprintf("the new leader's work never started: %v", l.started()) },
		func() bool { return len(l.started()) >= 2 })
	if m := l.most.Load(); m != 1 {
		t.Fatalf("%d lead functions ran at once: the old leader did not stop first", m)
	}

	stopOther()
	waitFor(t, 10*time.Second, func() string { return "the first leader did not come back: " + states(a, b) }, leader.Leading)
	waitFor(t, 10*time.Second, func() string { return fmt.Sprintf("the first leader's work never started again: %v", l.started()) },
		func() bool { return len(l.started()) >= 3 })
	if m := l.most.Load(); m != 1 {
		t.Fatalf("%d lead functions ran at once", m)
	}
	if got := l.started(); len(got) != 3 {
		t.Fatalf("leaders in order: %v, want 3 terms", got)
	}
}

// TestElector_LeadFails: a lead function that returns an error releases
// the lock; the elector stands by and campaigns again.
func TestElector_LeadFails(t *testing.T) {
	db, _ := mustOpen(t, postgres.Options{})
	e := &postgres.Elector{DB: db, Key: postgres.RelayLeaderLockKey, Name: "relay", Interval: electionInterval}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int32
	done := make(chan error, 1)
	go func() {
		done <- e.Run(ctx, func(context.Context) error {
			calls.Add(1)
			return fmt.Errorf("broken")
		})
	}()
	waitFor(t, 10*time.Second, func() string { return fmt.Sprintf("%d terms", calls.Load()) },
		func() bool { return calls.Load() >= 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if e.Leading() {
		t.Fatal("a stopped elector leads")
	}
}
