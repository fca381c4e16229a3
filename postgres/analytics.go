package postgres

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/doctales/doctales"
	"github.com/jackc/pgx/v5"
)

// The aggregate tables of issue 12, item 5, for a cluster: the same tables
// and answers as package sqlite's analytics.db (sqlite/analytics.go), kept
// by the analytics subscription (package analytics) of the notification
// workers and read by every api process (migration 0008).
//
// Several processes apply facts at once. With a partitioned subscription
// two processes apply different communications' facts, which fall into
// shared buckets (a day, a project's week, a person, an organisation). A
// bucket is recomputed from the facts rather than incremented, but a
// recomputation only sees the facts committed when its statement starts:
// two transactions that each add a fact to one day and recompute it would
// each count the other's fact out, and the later commit would lose one.
// So ApplyFacts takes a transaction-level advisory lock on every bucket it
// recomputes (pg_advisory_xact_lock, the two-key form, in a key space of
// its own) before the statement that recomputes it: whichever transaction
// takes the lock second waits for the first's commit, and its recomputing
// statement, in READ COMMITTED, starts after that commit and counts the
// first's facts as well as its own. A single INSERT … ON CONFLICT DO UPDATE
// would not do: its SELECT's snapshot is taken before it waits for the
// row. The locks are taken in one global order (communications, then
// threads, then the other buckets, each sorted by key), so two
// transactions never wait for each other in a cycle. The communications'
// own locks make the read of a communication's previous fact and its
// replacement one step: a second transaction applying the same
// communication (a redelivery on another process) waits, then reads the
// fact the first wrote and recomputes the buckets it left.

var (
	_ doctales.AnalyticsStore  = (*DB)(nil)
	_ doctales.AnalyticsReader = (*DB)(nil)
)

// MaxAnalyticsRows caps the rows one aggregate read returns (days, weeks,
// deadlines), as package sqlite's: ten years of days fit.
const MaxAnalyticsRows = 5000

// MaxAnalyticsChanges caps the changes of one ApplyFacts call: the
// analytics subscription sends at most its batch size (100), the backfill
// pages of 500; a call above it is EINVALID naming "changes".
const MaxAnalyticsChanges = 10000

// The advisory lock spaces of ApplyFacts (the first key of the two-key
// form, which does not overlap the one-key form of the package's other
// locks): "dtaf", "dtat" and "dtab" in ASCII.
const (
	analyticsFactLocks   int32 = 0x64746166 // one per communication
	analyticsThreadLocks int32 = 0x64746174 // one per owner's thread
	analyticsBucketLocks int32 = 0x64746162 // one per day, week, person, organisation
)

// factKeys are the bucket columns of a stored fact.
type factKeys struct {
	owner, day, week, project, person, org, thread string
}

// bucketSet collects the buckets a batch touches, each recomputed once.
type bucketSet struct {
	days, persons, orgs, threads map[[2]string]bool
	weeks                        map[[3]string]bool
}

func newBucketSet() *bucketSet {
	return &bucketSet{days: map[[2]string]bool{}, persons: map[[2]string]bool{}, orgs: map[[2]string]bool{},
		threads: map[[2]string]bool{}, weeks: map[[3]string]bool{}}
}

func (b *bucketSet) add(k factKeys) {
	b.days[[2]string{k.owner, k.day}] = true
	b.weeks[[3]string{k.owner, k.week, k.project}] = true
	b.persons[[2]string{k.owner, k.person}] = true
	if k.org != "" {
		b.orgs[[2]string{k.owner, k.org}] = true
	}
	if k.thread != "" {
		b.threads[[2]string{k.owner, k.thread}] = true
	}
}

// lockKey is a bucket's advisory lock key: the FNV-1a hash of its kind and
// parts. Two buckets with one key share a lock, which only serialises them.
func lockKey(kind string, parts ...string) int32 {
	h := fnv.New32a()
	h.Write([]byte(kind))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return int32(h.Sum32())
}

// lockAll takes the advisory locks (space, k) for keys, in increasing key
// order, in one statement; they are held until the transaction ends.
func lockAll(ctx context.Context, tx pgx.Tx, space int32, keys []int32) error {
	if len(keys) == 0 {
		return nil
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	// unnest yields the array in order and each row's lock is taken as
	// the row is produced, so the locks are taken in key order.
	_, err := tx.Exec(ctx, `SELECT count(pg_advisory_xact_lock($1, k)) FROM unnest($2::int4[]) AS k`, space, keys)
	return err
}

// storedFact is a change's fact in the columns it is stored in.
type storedFact struct {
	keys                           factKeys
	ts, urgency, name, subject, dl string
	request, open                  bool
}

// checkFact returns EINVALID naming the field of f that PostgreSQL cannot
// store or index (invalid UTF-8, a NUL byte, over MaxColumnBytes), and
// returns f's columns; the display fields (name, subject) are kept with
// U+FFFD in place of bytes text cannot hold instead, so that a
// communication whose subject holds a NUL is still counted.
func checkFact(id string, f *doctales.AnalyticsFact) (storedFact, error) {
	s := storedFact{
		keys: factKeys{owner: doctales.OwnerOf(f.Owner), day: f.Day, week: f.Week, project: f.Project,
			person: f.Person, org: f.Org, thread: f.ThreadID},
		ts: formatTime(f.Time), urgency: f.Urgency, name: textValue(f.Name), subject: textValue(f.Subject),
		request: f.Request, open: f.Open,
	}
	if !f.Deadline.IsZero() {
		s.dl = formatTime(f.Deadline)
	}
	for _, c := range []struct{ field, v string }{
		{"owner", s.keys.owner}, {"day", f.Day}, {"week", f.Week}, {"project", f.Project}, {"person", f.Person},
		{"org", f.Org}, {"threadId", f.ThreadID}, {"urgency", f.Urgency},
	} {
		if len(c.v) > MaxColumnBytes {
			return s, doctales.FieldErrorf(doctales.EINVALID, c.field, "Analytics fact of %q: %s is %d bytes, over the limit of %d.", id, c.field, len(c.v), MaxColumnBytes)
		}
		if err := checkText(c.field, c.v); err != nil {
			return s, doctales.FieldErrorf(doctales.EINVALID, c.field, "Analytics fact of %q: %s", id, doctales.ErrorMessage(err))
		}
	}
	return s, nil
}

// ApplyFacts implements doctales.AnalyticsStore: for each change, in order,
// it replaces the communication's fact (or deletes it), then recomputes
// every bucket the old or new facts fall into (day, project week, person,
// organisation, thread answers) from the facts, all in one transaction.
// Buckets are recomputed rather than incremented, so applying the same
// changes twice leaves the same counts; each is recomputed under its
// advisory lock, so processes applying at once lose no count (see the
// comment at the top of this file). A change without an id, or whose fact
// has a key field PostgreSQL cannot hold, is EINVALID naming the field,
// and nothing of the call is applied.
func (db *DB) ApplyFacts(ctx context.Context, changes []doctales.AnalyticsChange) error {
	return db.applyFacts(ctx, changes, false)
}

// FillFacts is ApplyFacts for the facts of communications that have none
// yet: a change whose communication already has a fact is skipped, so a
// fact the subscription wrote from a newer record is never overwritten by
// an older state a backfill read (package sqlite's FillFacts).
func (db *DB) FillFacts(ctx context.Context, changes []doctales.AnalyticsChange) error {
	return db.applyFacts(ctx, changes, true)
}

func (db *DB) applyFacts(ctx context.Context, changes []doctales.AnalyticsChange, onlyNew bool) error {
	if len(changes) == 0 {
		return nil
	}
	if len(changes) > MaxAnalyticsChanges {
		return doctales.FieldErrorf(doctales.EINVALID, "changes", "%d analytics changes in one call, over the limit of %d.", len(changes), MaxAnalyticsChanges)
	}
	facts := make([]*storedFact, len(changes))
	ids := make([]string, 0, len(changes))
	idLocks := make([]int32, 0, len(changes))
	for i, ch := range changes {
		if ch.ID == "" {
			return doctales.FieldErrorf(doctales.EINVALID, "id", "Analytics change %d has no communication id.", i)
		}
		if err := checkID(ch.ID); err != nil {
			return err
		}
		if ch.Fact != nil {
			s, err := checkFact(ch.ID, ch.Fact)
			if err != nil {
				return err
			}
			facts[i] = &s
		}
		ids = append(ids, ch.ID)
		idLocks = append(idLocks, lockKey("id", ch.ID))
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// 1. The communications: lock them, then read their facts.
		if err := lockAll(ctx, tx, analyticsFactLocks, idLocks); err != nil {
			return fmt.Errorf("lock communications: %w", err)
		}
		stored := map[string]factKeys{}
		rows, err := tx.Query(ctx, `SELECT id, owner, day, week, project, person, org, thread_id
			FROM analytics_facts WHERE id = ANY($1)`, ids)
		if err != nil {
			return fmt.Errorf("read facts: %w", err)
		}
		for rows.Next() {
			var id string
			var k factKeys
			if err := rows.Scan(&id, &k.owner, &k.day, &k.week, &k.project, &k.person, &k.org, &k.thread); err != nil {
				rows.Close()
				return fmt.Errorf("read facts: %w", err)
			}
			stored[id] = k
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read facts: %w", err)
		}
		b := newBucketSet()
		for _, k := range stored {
			b.add(k)
		}
		// Each communication's last change wins; onlyNew skips a change
		// whose communication has a fact, stored or set earlier in the call.
		final := map[string]*storedFact{}
		has := map[string]bool{}
		for id := range stored {
			has[id] = true
		}
		var order []string
		for i, ch := range changes {
			if onlyNew && has[ch.ID] {
				continue
			}
			if _, seen := final[ch.ID]; !seen {
				order = append(order, ch.ID)
			}
			final[ch.ID] = facts[i]
			has[ch.ID] = facts[i] != nil
		}
		batch := &pgx.Batch{}
		for _, id := range order {
			f := final[id]
			if f == nil {
				batch.Queue(`DELETE FROM analytics_facts WHERE id = $1`, id)
				continue
			}
			batch.Queue(`INSERT INTO analytics_facts
				(id, owner, ts, day, week, urgency, person, name, org, project, thread_id, subject, deadline, request, open)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
				ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, ts = excluded.ts, day = excluded.day,
					week = excluded.week, urgency = excluded.urgency, person = excluded.person, name = excluded.name,
					org = excluded.org, project = excluded.project, thread_id = excluded.thread_id,
					subject = excluded.subject, deadline = excluded.deadline, request = excluded.request, open = excluded.open`,
				id, f.keys.owner, f.ts, f.keys.day, f.keys.week, f.urgency, f.keys.person, f.name, f.keys.org,
				f.keys.project, f.keys.thread, f.subject, f.dl, f.request, f.open)
			b.add(f.keys)
		}
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return fmt.Errorf("write facts: %w", err)
		}
		// 2. The threads, whose answers feed the people's response times.
		if err := recomputeThreads(ctx, tx, b); err != nil {
			return err
		}
		// 3. Days, weeks, people and organisations.
		return recomputeBuckets(ctx, tx, b)
	})
	if err != nil {
		return fmt.Errorf("apply %d analytics facts: %w", len(changes), err)
	}
	return nil
}

// recomputeThreads rewrites the answers of every thread of b, under the
// threads' locks: each message whose previous message in the thread (by
// time, then id) is someone else's answers that someone. The people named
// by the old and new answers join b.persons. Every thread's old answers
// are deleted before any is written, so that a message that moved from
// one thread to another (its answer row keyed by its id) is never written
// into the new thread while the old one still holds it.
func recomputeThreads(ctx context.Context, tx pgx.Tx, b *bucketSet) error {
	if len(b.threads) == 0 {
		return nil
	}
	threads := make([][2]string, 0, len(b.threads))
	keys := make([]int32, 0, len(b.threads))
	for k := range b.threads {
		threads = append(threads, k)
		keys = append(keys, lockKey("thread", k[0], k[1]))
	}
	if err := lockAll(ctx, tx, analyticsThreadLocks, keys); err != nil {
		return fmt.Errorf("lock threads: %w", err)
	}
	slices.SortFunc(threads, func(x, y [2]string) int { return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1])) })
	for _, k := range threads {
		rows, err := tx.Query(ctx, `DELETE FROM analytics_replies WHERE owner = $1 AND thread_id = $2 RETURNING responder, asker`, k[0], k[1])
		if err != nil {
			return fmt.Errorf("recompute thread %q: %w", k[1], err)
		}
		for rows.Next() {
			var r, a string
			if err := rows.Scan(&r, &a); err != nil {
				rows.Close()
				return fmt.Errorf("recompute thread %q: %w", k[1], err)
			}
			b.persons[[2]string{k[0], r}], b.persons[[2]string{k[0], a}] = true, true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("recompute thread %q: %w", k[1], err)
		}
	}
	type msg struct {
		id, person string
		ts         time.Time
	}
	batch := &pgx.Batch{}
	for _, k := range threads {
		rows, err := tx.Query(ctx, `SELECT id, person, ts FROM analytics_facts
			WHERE owner = $1 AND thread_id = $2 AND thread_id <> '' ORDER BY ts, id`, k[0], k[1])
		if err != nil {
			return fmt.Errorf("recompute thread %q: %w", k[1], err)
		}
		var msgs []msg
		for rows.Next() {
			var m msg
			var ts string
			if err := rows.Scan(&m.id, &m.person, &ts); err != nil {
				rows.Close()
				return fmt.Errorf("recompute thread %q: %w", k[1], err)
			}
			if m.ts, err = parseTime(ts); err != nil {
				rows.Close()
				return fmt.Errorf("recompute thread %q: %w", k[1], err)
			}
			msgs = append(msgs, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("recompute thread %q: %w", k[1], err)
		}
		for i := 1; i < len(msgs); i++ {
			prev, cur := msgs[i-1], msgs[i]
			if prev.person == cur.person {
				continue
			}
			batch.Queue(`INSERT INTO analytics_replies (id, owner, thread_id, responder, asker, seconds) VALUES ($1, $2, $3, $4, $5, $6)`,
				cur.id, k[0], k[1], cur.person, prev.person, cur.ts.Sub(prev.ts).Seconds())
			b.persons[[2]string{k[0], cur.person}], b.persons[[2]string{k[0], prev.person}] = true, true
		}
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("write thread answers: %w", err)
	}
	return nil
}

// recomputeBuckets rewrites every day, week, person and organisation of b
// from analytics_facts (and the people's answers from analytics_replies),
// each after its lock: the statements of the batch run one after the
// other, each with a snapshot taken when it starts, after the locks.
func recomputeBuckets(ctx context.Context, tx pgx.Tx, b *bucketSet) error {
	var keys []int32
	for k := range b.days {
		keys = append(keys, lockKey("day", k[0], k[1]))
	}
	for k := range b.weeks {
		keys = append(keys, lockKey("week", k[0], k[1], k[2]))
	}
	for k := range b.persons {
		keys = append(keys, lockKey("person", k[0], k[1]))
	}
	for k := range b.orgs {
		keys = append(keys, lockKey("org", k[0], k[1]))
	}
	if err := lockAll(ctx, tx, analyticsBucketLocks, keys); err != nil {
		return fmt.Errorf("lock buckets: %w", err)
	}
	batch := &pgx.Batch{}
	for k := range b.days {
		batch.Queue(`DELETE FROM analytics_daily WHERE owner = $1 AND day = $2`, k[0], k[1])
		batch.Queue(`INSERT INTO analytics_daily (owner, day, total, high, medium, low, requests)
			SELECT owner, day, count(*), count(*) FILTER (WHERE urgency = 'high'), count(*) FILTER (WHERE urgency = 'medium'),
				count(*) FILTER (WHERE urgency = 'low'), count(*) FILTER (WHERE request)
			FROM analytics_facts WHERE owner = $1 AND day = $2 GROUP BY owner, day`, k[0], k[1])
	}
	for k := range b.weeks {
		batch.Queue(`DELETE FROM analytics_weekly WHERE owner = $1 AND week = $2 AND project = $3`, k[0], k[1], k[2])
		batch.Queue(`INSERT INTO analytics_weekly (owner, week, project, total, high, open)
			SELECT owner, week, project, count(*), count(*) FILTER (WHERE urgency = 'high'), count(*) FILTER (WHERE open)
			FROM analytics_facts WHERE owner = $1 AND week = $2 AND project = $3 GROUP BY owner, week, project`, k[0], k[1], k[2])
	}
	for k := range b.persons {
		batch.Queue(`DELETE FROM analytics_people WHERE owner = $1 AND person = $2`, k[0], k[1])
		// name and org are the latest communication's, as SQLite's bare
		// columns beside MAX(ts) are.
		batch.Queue(`INSERT INTO analytics_people
			(owner, person, name, org, total, high, open, last_ts, they_replied, they_reply_s, replied_to, replied_to_s)
			SELECT f.owner, f.person, l.name, l.org, f.n, f.high, f.open, f.last,
				r1.n, COALESCE(r1.s, 0), r2.n, COALESCE(r2.s, 0)
			FROM (SELECT owner, person, max(ts) AS last, count(*) AS n, count(*) FILTER (WHERE urgency = 'high') AS high,
					count(*) FILTER (WHERE open) AS open
				FROM analytics_facts WHERE owner = $1 AND person = $2 GROUP BY owner, person) f
			CROSS JOIN LATERAL (SELECT name, org FROM analytics_facts WHERE owner = $1 AND person = $2
				ORDER BY ts DESC, id DESC LIMIT 1) l
			CROSS JOIN (SELECT count(*) AS n, avg(seconds) AS s FROM analytics_replies WHERE owner = $1 AND responder = $2) r1
			CROSS JOIN (SELECT count(*) AS n, avg(seconds) AS s FROM analytics_replies WHERE owner = $1 AND asker = $2) r2`,
			k[0], k[1])
	}
	for k := range b.orgs {
		batch.Queue(`DELETE FROM analytics_orgs WHERE owner = $1 AND org = $2`, k[0], k[1])
		batch.Queue(`INSERT INTO analytics_orgs (owner, org, total, people, high, open, last_ts)
			SELECT owner, org, count(*), count(DISTINCT person), count(*) FILTER (WHERE urgency = 'high'),
				count(*) FILTER (WHERE open), max(ts)
			FROM analytics_facts WHERE owner = $1 AND org = $2 AND org <> '' GROUP BY owner, org`, k[0], k[1])
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("recompute buckets: %w", err)
	}
	return nil
}

// analyticsArgs builds the positional arguments of a read.
type analyticsArgs []any

func (a *analyticsArgs) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// ownerCond returns the condition that keeps what ctx may see
// (doctales.WithOwner): "true" without an owner scope.
func (a *analyticsArgs) ownerCond(ctx context.Context) string {
	if owner, ok := doctales.OwnerFromContext(ctx); ok {
		return "owner = " + a.add(owner)
	}
	return "true"
}

// dayRange returns the condition of an inclusive range on col; "" leaves
// an end open. A bound that is not storable text is EINVALID naming field.
func (a *analyticsArgs) dayRange(col, from, to string) (string, error) {
	cond := ""
	for _, b := range []struct{ field, v, op string }{{"from", from, ">="}, {"to", to, "<="}} {
		if b.v == "" {
			continue
		}
		if err := checkText(b.field, b.v); err != nil {
			return "", err
		}
		cond += " AND " + col + " " + b.op + " " + a.add(b.v)
	}
	return cond, nil
}

// VolumeByDay implements doctales.AnalyticsReader: the days with traffic
// in [from, to], oldest first, summed over owners when ctx has no owner
// scope. At most MaxAnalyticsRows days: the latest.
func (db *DB) VolumeByDay(ctx context.Context, from, to string) ([]doctales.VolumeDay, error) {
	var a analyticsArgs
	own := a.ownerCond(ctx)
	rng, err := a.dayRange("day", from, to)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT * FROM (SELECT day, sum(total), sum(high), sum(medium), sum(low), sum(requests)
		FROM analytics_daily WHERE `+own+rng+` GROUP BY day ORDER BY day DESC LIMIT `+a.add(MaxAnalyticsRows)+`) d ORDER BY day`, a...)
	if err != nil {
		return nil, fmt.Errorf("volume by day: %w", err)
	}
	out := []doctales.VolumeDay{}
	var d doctales.VolumeDay
	if _, err := pgx.ForEachRow(rows, []any{&d.Day, &d.Total, &d.High, &d.Medium, &d.Low, &d.Requests}, func() error {
		out = append(out, d)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("volume by day: %w", err)
	}
	return out, nil
}

// VolumeByWeek implements doctales.AnalyticsReader: each project's ISO
// weeks with traffic whose Monday-to-Sunday span meets [from, to] (by week
// label), oldest first. At most MaxAnalyticsRows rows: the latest.
func (db *DB) VolumeByWeek(ctx context.Context, from, to string) ([]doctales.VolumeWeek, error) {
	var a analyticsArgs
	own := a.ownerCond(ctx)
	rng, err := a.dayRange("week", weekLabel(from), weekLabel(to))
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT * FROM (SELECT week, project, sum(total), sum(high), sum(open)
		FROM analytics_weekly WHERE `+own+rng+` GROUP BY week, project ORDER BY week DESC, project LIMIT `+a.add(MaxAnalyticsRows)+`) w
		ORDER BY week, project`, a...)
	if err != nil {
		return nil, fmt.Errorf("volume by week: %w", err)
	}
	out := []doctales.VolumeWeek{}
	var w doctales.VolumeWeek
	if _, err := pgx.ForEachRow(rows, []any{&w.Week, &w.Project, &w.Total, &w.High, &w.Open}, func() error {
		out = append(out, w)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("volume by week: %w", err)
	}
	return out, nil
}

// weekLabel is the ISO week label (YYYY-Www) of a day (YYYY-MM-DD); a
// value that is not a day is returned as it is, as package sqlite does.
func weekLabel(day string) string {
	if day == "" {
		return ""
	}
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return day
	}
	y, w := t.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// PeopleStats implements doctales.AnalyticsReader: the senders with the
// most traffic and the organisations with the most, at most limit of each
// (doctales.DefaultPageSize when 0, lowered to doctales.MaxPageSize; a
// negative limit is EINVALID). Without an owner scope, owners' rows are
// summed (response times weighted by their counts; the name and
// organisation of the latest contact's row).
func (db *DB) PeopleStats(ctx context.Context, limit int) ([]doctales.PersonStats, []doctales.OrgStats, error) {
	limit, err := doctales.PageLimit(limit)
	if err != nil {
		return nil, nil, err
	}
	_, scoped := doctales.OwnerFromContext(ctx)
	var a analyticsArgs
	own := a.ownerCond(ctx)
	query := `SELECT person, name, org, total, high, open, last_ts, they_replied, they_reply_s, replied_to, replied_to_s
		FROM analytics_people WHERE ` + own + ` ORDER BY total DESC, last_ts DESC, person LIMIT `
	if !scoped {
		query = `SELECT person, (array_agg(name ORDER BY last_ts DESC))[1], (array_agg(org ORDER BY last_ts DESC))[1],
			sum(total) AS n, sum(high), sum(open), max(last_ts),
			sum(they_replied), COALESCE(sum(they_reply_s * they_replied) / NULLIF(sum(they_replied), 0), 0),
			sum(replied_to), COALESCE(sum(replied_to_s * replied_to) / NULLIF(sum(replied_to), 0), 0)
		FROM analytics_people GROUP BY person ORDER BY n DESC, max(last_ts) DESC, person LIMIT `
	}
	query += a.add(limit)
	rows, err := db.pool.Query(ctx, query, a...)
	if err != nil {
		return nil, nil, fmt.Errorf("people stats: %w", err)
	}
	people := []doctales.PersonStats{}
	var p doctales.PersonStats
	var last string
	if _, err := pgx.ForEachRow(rows, []any{&p.ID, &p.Name, &p.Organization, &p.Total, &p.High, &p.Open, &last,
		&p.TheyReplied, &p.TheyReplySeconds, &p.RepliedTo, &p.RepliedToSeconds}, func() error {
		var err error
		if p.Last, err = parseTime(last); err != nil {
			return err
		}
		people = append(people, p)
		return nil
	}); err != nil {
		return nil, nil, fmt.Errorf("people stats: %w", err)
	}

	a = nil
	own = a.ownerCond(ctx)
	query = `SELECT org, total, people, high, open, last_ts FROM analytics_orgs WHERE ` + own +
		` ORDER BY total DESC, last_ts DESC, org LIMIT `
	if !scoped {
		query = `SELECT org, sum(total) AS n, sum(people), sum(high), sum(open), max(last_ts)
		FROM analytics_orgs GROUP BY org ORDER BY n DESC, max(last_ts) DESC, org LIMIT `
	}
	query += a.add(limit)
	rows, err = db.pool.Query(ctx, query, a...)
	if err != nil {
		return nil, nil, fmt.Errorf("organisation stats: %w", err)
	}
	orgs := []doctales.OrgStats{}
	var o doctales.OrgStats
	if _, err := pgx.ForEachRow(rows, []any{&o.Name, &o.Total, &o.People, &o.High, &o.Open, &last}, func() error {
		var err error
		if o.Last, err = parseTime(last); err != nil {
			return err
		}
		orgs = append(orgs, o)
		return nil
	}); err != nil {
		return nil, nil, fmt.Errorf("organisation stats: %w", err)
	}
	return people, orgs, nil
}

// Deadlines implements doctales.AnalyticsReader: the communications whose
// deadline lies in [from, to] (either may be zero: open), earliest first
// (latest first when latest is set), at most limit (MaxAnalyticsRows when
// 0 or above).
func (db *DB) Deadlines(ctx context.Context, from, to time.Time, latest bool, limit int) ([]doctales.DeadlineItem, error) {
	if limit <= 0 || limit > MaxAnalyticsRows {
		limit = MaxAnalyticsRows
	}
	var a analyticsArgs
	cond := a.ownerCond(ctx) + " AND deadline <> ''"
	order := "deadline, id"
	if latest {
		order = "deadline DESC, id DESC"
	}
	if !from.IsZero() {
		cond += " AND deadline >= " + a.add(formatTime(from))
	}
	if !to.IsZero() {
		cond += " AND deadline <= " + a.add(formatTime(to))
	}
	rows, err := db.pool.Query(ctx, `SELECT id, subject, name, urgency, deadline, open FROM analytics_facts
		WHERE `+cond+` ORDER BY `+order+` LIMIT `+a.add(limit), a...)
	if err != nil {
		return nil, fmt.Errorf("deadlines: %w", err)
	}
	out := []doctales.DeadlineItem{}
	var d doctales.DeadlineItem
	var dl string
	if _, err := pgx.ForEachRow(rows, []any{&d.ID, &d.Subject, &d.Sender, &d.Urgency, &dl, &d.Open}, func() error {
		var err error
		if d.Deadline, err = parseTime(dl); err != nil {
			return err
		}
		out = append(out, d)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("deadlines: %w", err)
	}
	return out, nil
}

// AnalyticsEmpty reports whether no fact has been applied yet, so that a
// process can fill the aggregates once from the stored items.
func (db *DB) AnalyticsEmpty(ctx context.Context) (bool, error) {
	var any bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM analytics_facts)`).Scan(&any); err != nil {
		return false, fmt.Errorf("analytics facts: %w", err)
	}
	return !any, nil
}

// analyticsFilledKey is the meta row set once the aggregate tables have
// been filled from the stored items (AnalyticsFilled).
const analyticsFilledKey = "analytics_filled"

// AnalyticsFilled reports whether the aggregate tables have been filled
// from the stored items once (MarkAnalyticsFilled): a cluster's
// notification process fills them at start until one has finished, so
// that items older than the log's horizon are counted too.
func (db *DB) AnalyticsFilled(ctx context.Context) (bool, error) {
	var done bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM meta WHERE key = $1)`, analyticsFilledKey).Scan(&done); err != nil {
		return false, fmt.Errorf("analytics filled: %w", err)
	}
	return done, nil
}

// MarkAnalyticsFilled records that a fill from the stored items finished,
// with the time it did; marking again keeps the first time.
func (db *DB) MarkAnalyticsFilled(ctx context.Context) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
		analyticsFilledKey, formatTime(db.now())); err != nil {
		return fmt.Errorf("mark analytics filled: %w", err)
	}
	return nil
}
