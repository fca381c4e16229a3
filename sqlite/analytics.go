package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/doctales/doctales"
)

var (
	_ doctales.AnalyticsStore  = (*DB)(nil)
	_ doctales.AnalyticsReader = (*DB)(nil)
)

// MaxAnalyticsRows caps the rows one aggregate read returns (days, weeks,
// deadlines): ten years of days fit.
const MaxAnalyticsRows = 5000

// bucketSet collects the aggregate buckets a batch of facts touches, so
// that each is recomputed once per batch.
type bucketSet struct {
	days, persons, orgs, threads map[[2]string]bool
	weeks                        map[[3]string]bool
}

func newBucketSet() *bucketSet {
	return &bucketSet{days: map[[2]string]bool{}, persons: map[[2]string]bool{}, orgs: map[[2]string]bool{},
		threads: map[[2]string]bool{}, weeks: map[[3]string]bool{}}
}

// add records the buckets of a fact, given as its stored columns.
func (b *bucketSet) add(owner, day, week, project, person, org, thread string) {
	b.days[[2]string{owner, day}] = true
	b.weeks[[3]string{owner, week, project}] = true
	b.persons[[2]string{owner, person}] = true
	if org != "" {
		b.orgs[[2]string{owner, org}] = true
	}
	if thread != "" {
		b.threads[[2]string{owner, thread}] = true
	}
}

// ApplyFacts implements doctales.AnalyticsStore: for each change, in
// order, it replaces the communication's fact (or deletes it), then
// recomputes every bucket the old or new facts fall into (day, project
// week, person, organisation, thread answers) from the facts, all in one
// transaction. Because buckets are recomputed rather than incremented,
// applying the same changes twice leaves the same counts.
func (db *DB) ApplyFacts(ctx context.Context, changes []doctales.AnalyticsChange) error {
	return db.applyFacts(ctx, changes, false)
}

// FillFacts is ApplyFacts for the facts of communications that have none
// yet: a change whose communication already has a fact is skipped. The
// server fills the aggregates from the stored items with it while the
// consumer runs, so that a fact the consumer wrote from a newer record is
// never overwritten by the older state the filler read.
func (db *DB) FillFacts(ctx context.Context, changes []doctales.AnalyticsChange) error {
	return db.applyFacts(ctx, changes, true)
}

func (db *DB) applyFacts(ctx context.Context, changes []doctales.AnalyticsChange, onlyNew bool) error {
	if len(changes) == 0 {
		return nil
	}
	err := db.write(ctx, func(tx *writeTx) error {
		b := newBucketSet()
		for _, ch := range changes {
			if ch.ID == "" {
				return doctales.FieldErrorf(doctales.EINVALID, "id", "analytics change without a communication id")
			}
			var owner, day, week, project, person, org, thread string
			switch err := tx.queryRow(`SELECT owner, day, week, project, person, org, thread_id FROM analytics_facts WHERE id = ?`, ch.ID).
				Scan(&owner, &day, &week, &project, &person, &org, &thread); {
			case errNoRows(err):
			case err != nil:
				return FormatError(err)
			case onlyNew:
				continue
			default:
				b.add(owner, day, week, project, person, org, thread)
			}
			f := ch.Fact
			if f == nil {
				if _, err := tx.exec(`DELETE FROM analytics_facts WHERE id = ?`, ch.ID); err != nil {
					return FormatError(err)
				}
				continue
			}
			deadline := ""
			if !f.Deadline.IsZero() {
				deadline = formatTime(f.Deadline)
			}
			owner = doctales.OwnerOf(f.Owner)
			if _, err := tx.exec(`INSERT OR REPLACE INTO analytics_facts
				(id, owner, ts, day, week, urgency, person, name, org, project, thread_id, subject, deadline, request, open)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				ch.ID, owner, formatTime(f.Time), f.Day, f.Week, f.Urgency, f.Person, f.Name, f.Org, f.Project,
				f.ThreadID, f.Subject, deadline, f.Request, f.Open); err != nil {
				return FormatError(err)
			}
			b.add(owner, f.Day, f.Week, f.Project, f.Person, f.Org, f.ThreadID)
		}
		return recomputeBuckets(tx.tx, b)
	})
	if err != nil {
		return fmt.Errorf("apply %d analytics facts: %w", len(changes), err)
	}
	return nil
}

// recomputeBuckets rewrites every bucket of b from analytics_facts. Threads
// go first: their answers feed the people's response times. Every
// thread's old answers are deleted before any thread's are written: a
// message that moved from one thread to another keeps its answer row's
// id (the message's), which the old thread must have let go first.
func recomputeBuckets(tx *sql.Tx, b *bucketSet) error {
	for k := range b.threads {
		if err := clearThread(tx, k[0], k[1], b); err != nil {
			return err
		}
	}
	for k := range b.threads {
		if err := recomputeThread(tx, k[0], k[1], b); err != nil {
			return err
		}
	}
	for k := range b.days {
		if _, err := tx.Exec(`DELETE FROM analytics_daily WHERE owner = ? AND day = ?`, k[0], k[1]); err != nil {
			return FormatError(err)
		}
		if _, err := tx.Exec(`INSERT INTO analytics_daily (owner, day, total, high, medium, low, requests)
			SELECT owner, day, COUNT(*), SUM(urgency = 'high'), SUM(urgency = 'medium'), SUM(urgency = 'low'), SUM(request)
			FROM analytics_facts WHERE owner = ? AND day = ? GROUP BY owner, day`, k[0], k[1]); err != nil {
			return FormatError(err)
		}
	}
	for k := range b.weeks {
		if _, err := tx.Exec(`DELETE FROM analytics_weekly WHERE owner = ? AND week = ? AND project = ?`, k[0], k[1], k[2]); err != nil {
			return FormatError(err)
		}
		if _, err := tx.Exec(`INSERT INTO analytics_weekly (owner, week, project, total, high, open)
			SELECT owner, week, project, COUNT(*), SUM(urgency = 'high'), SUM(open)
			FROM analytics_facts WHERE owner = ? AND week = ? AND project = ? GROUP BY owner, week, project`, k[0], k[1], k[2]); err != nil {
			return FormatError(err)
		}
	}
	for k := range b.persons {
		if _, err := tx.Exec(`DELETE FROM analytics_people WHERE owner = ? AND person = ?`, k[0], k[1]); err != nil {
			return FormatError(err)
		}
		// The bare columns name and org come from the row holding MAX(ts):
		// the latest communication's.
		if _, err := tx.Exec(`INSERT INTO analytics_people
			(owner, person, name, org, total, high, open, last_ts, they_replied, they_reply_s, replied_to, replied_to_s)
			SELECT f.owner, f.person, f.name, f.org, f.n, f.high, f.open, f.last,
				COALESCE(r1.n, 0), COALESCE(r1.s, 0), COALESCE(r2.n, 0), COALESCE(r2.s, 0)
			FROM (SELECT owner, person, name, org, MAX(ts) AS last, COUNT(*) AS n, SUM(urgency = 'high') AS high, SUM(open) AS open
				FROM analytics_facts WHERE owner = ?1 AND person = ?2 GROUP BY owner, person) f
			LEFT JOIN (SELECT COUNT(*) AS n, AVG(seconds) AS s FROM analytics_replies WHERE owner = ?1 AND responder = ?2) r1
			LEFT JOIN (SELECT COUNT(*) AS n, AVG(seconds) AS s FROM analytics_replies WHERE owner = ?1 AND asker = ?2) r2`,
			k[0], k[1]); err != nil {
			return FormatError(err)
		}
	}
	for k := range b.orgs {
		if _, err := tx.Exec(`DELETE FROM analytics_orgs WHERE owner = ? AND org = ?`, k[0], k[1]); err != nil {
			return FormatError(err)
		}
		if _, err := tx.Exec(`INSERT INTO analytics_orgs (owner, org, total, people, high, open, last_ts)
			SELECT owner, org, COUNT(*), COUNT(DISTINCT person), SUM(urgency = 'high'), SUM(open), MAX(ts)
			FROM analytics_facts WHERE owner = ? AND org = ? AND org <> '' GROUP BY owner, org`, k[0], k[1]); err != nil {
			return FormatError(err)
		}
	}
	return nil
}

// clearThread deletes the answers of one thread; the people they name
// join b.persons, so that their response times are recomputed.
func clearThread(tx *sql.Tx, owner, thread string, b *bucketSet) error {
	if err := eachRow(tx, `SELECT responder, asker FROM analytics_replies WHERE owner = ? AND thread_id = ?`, []any{owner, thread}, func(rows *sql.Rows) error {
		var r, a string
		if err := rows.Scan(&r, &a); err != nil {
			return err
		}
		b.persons[[2]string{owner, r}], b.persons[[2]string{owner, a}] = true, true
		return nil
	}); err != nil {
		return err
	}
	if _, err := tx.Exec(`DELETE FROM analytics_replies WHERE owner = ? AND thread_id = ?`, owner, thread); err != nil {
		return FormatError(err)
	}
	return nil
}

// recomputeThread writes the answers of one thread (cleared by
// clearThread): each message whose previous message in the thread (by
// time) is someone else's answers that someone. The people named join
// b.persons, so that their response times are recomputed too.
func recomputeThread(tx *sql.Tx, owner, thread string, b *bucketSet) error {
	type msg struct {
		id, person string
		ts         time.Time
	}
	var msgs []msg
	if err := eachRow(tx, `SELECT id, person, ts FROM analytics_facts WHERE owner = ? AND thread_id = ? AND thread_id <> '' ORDER BY ts, id`, []any{owner, thread}, func(rows *sql.Rows) error {
		var m msg
		var ts string
		if err := rows.Scan(&m.id, &m.person, &ts); err != nil {
			return err
		}
		t, err := parseTime(ts)
		if err != nil {
			return err
		}
		m.ts = t
		msgs = append(msgs, m)
		return nil
	}); err != nil {
		return err
	}
	for i := 1; i < len(msgs); i++ {
		prev, cur := msgs[i-1], msgs[i]
		if prev.person == cur.person {
			continue
		}
		if _, err := tx.Exec(`INSERT INTO analytics_replies (id, owner, thread_id, responder, asker, seconds) VALUES (?, ?, ?, ?, ?, ?)`,
			cur.id, owner, thread, cur.person, prev.person, cur.ts.Sub(prev.ts).Seconds()); err != nil {
			return FormatError(err)
		}
		b.persons[[2]string{owner, cur.person}], b.persons[[2]string{owner, prev.person}] = true, true
	}
	return nil
}

// eachRow runs query in tx and calls fn for each row.
func eachRow(tx *sql.Tx, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := tx.Query(query, args...)
	if err != nil {
		return FormatError(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return FormatError(err)
		}
	}
	return FormatError(rows.Err())
}

// dayRange returns the condition and arguments of an inclusive range of
// days (YYYY-MM-DD) on column col; "" leaves an end open.
func dayRange(col, from, to string) (string, []any) {
	cond, args := "", []any{}
	if from != "" {
		cond, args = cond+" AND "+col+" >= ?", append(args, from)
	}
	if to != "" {
		cond, args = cond+" AND "+col+" <= ?", append(args, to)
	}
	return cond, args
}

// VolumeByDay implements doctales.AnalyticsReader: the days with traffic
// in [from, to], oldest first, summed over owners when ctx has no owner
// scope. At most MaxAnalyticsRows days: the latest.
func (db *DB) VolumeByDay(ctx context.Context, from, to string) ([]doctales.VolumeDay, error) {
	own, args := ownerCond(ctx)
	rng, rargs := dayRange("day", from, to)
	rows, err := db.rdb.QueryContext(ctx, `SELECT * FROM (SELECT day, SUM(total), SUM(high), SUM(medium), SUM(low), SUM(requests)
		FROM analytics_daily WHERE `+own+rng+` GROUP BY day ORDER BY day DESC LIMIT ?) ORDER BY day`,
		append(append(args, rargs...), MaxAnalyticsRows)...)
	if err != nil {
		return nil, fmt.Errorf("volume by day: %w", FormatError(err))
	}
	defer rows.Close()
	out := []doctales.VolumeDay{}
	for rows.Next() {
		var d doctales.VolumeDay
		if err := rows.Scan(&d.Day, &d.Total, &d.High, &d.Medium, &d.Low, &d.Requests); err != nil {
			return nil, fmt.Errorf("volume by day: %w", FormatError(err))
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("volume by day: %w", FormatError(err))
	}
	return out, nil
}

// VolumeByWeek implements doctales.AnalyticsReader: each project's ISO
// weeks with traffic whose Monday-to-Sunday span meets [from, to] (by week
// label), oldest first. At most MaxAnalyticsRows rows: the latest.
func (db *DB) VolumeByWeek(ctx context.Context, from, to string) ([]doctales.VolumeWeek, error) {
	own, args := ownerCond(ctx)
	rng, rargs := weekRange(from, to)
	rows, err := db.rdb.QueryContext(ctx, `SELECT * FROM (SELECT week, project, SUM(total), SUM(high), SUM(open)
		FROM analytics_weekly WHERE `+own+rng+` GROUP BY week, project ORDER BY week DESC, project LIMIT ?) ORDER BY week, project`,
		append(append(args, rargs...), MaxAnalyticsRows)...)
	if err != nil {
		return nil, fmt.Errorf("volume by week: %w", FormatError(err))
	}
	defer rows.Close()
	out := []doctales.VolumeWeek{}
	for rows.Next() {
		var w doctales.VolumeWeek
		if err := rows.Scan(&w.Week, &w.Project, &w.Total, &w.High, &w.Open); err != nil {
			return nil, fmt.Errorf("volume by week: %w", FormatError(err))
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("volume by week: %w", FormatError(err))
	}
	return out, nil
}

// weekRange turns a day range into a range of ISO week labels.
func weekRange(from, to string) (string, []any) {
	label := func(day string) string {
		t, err := time.Parse("2006-01-02", day)
		if err != nil {
			return day
		}
		y, w := t.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	}
	f, t := "", ""
	if from != "" {
		f = label(from)
	}
	if to != "" {
		t = label(to)
	}
	return dayRange("week", f, t)
}

// PeopleStats implements doctales.AnalyticsReader: the senders with the
// most traffic and the organisations with the most, at most limit of each
// (doctales.DefaultPageSize when 0, lowered to doctales.MaxPageSize).
// Without an owner scope, owners' rows are summed (response times weighted
// by their counts).
func (db *DB) PeopleStats(ctx context.Context, limit int) ([]doctales.PersonStats, []doctales.OrgStats, error) {
	limit, err := pageLimit(limit)
	if err != nil {
		return nil, nil, err
	}
	own, args := ownerCond(ctx)
	// One owner's rows are one per person: read them in the order of
	// the (owner, total) index. Without an owner scope, sum the owners'.
	query := `SELECT person, name, org, total AS n, high, open, last_ts, they_replied, they_reply_s, replied_to, replied_to_s
		FROM analytics_people WHERE ` + own + ` ORDER BY total DESC, last_ts DESC, person LIMIT ?`
	if _, scoped := doctales.OwnerFromContext(ctx); !scoped {
		query = `SELECT person, name, org, SUM(total) AS n, SUM(high), SUM(open), MAX(last_ts),
			SUM(they_replied), COALESCE(SUM(they_reply_s * they_replied) / NULLIF(SUM(they_replied), 0), 0),
			SUM(replied_to), COALESCE(SUM(replied_to_s * replied_to) / NULLIF(SUM(replied_to), 0), 0)
		FROM analytics_people GROUP BY person ORDER BY n DESC, MAX(last_ts) DESC, person LIMIT ?`
	}
	rows, err := db.rdb.QueryContext(ctx, query, append(args, limit)...)
	if err != nil {
		return nil, nil, fmt.Errorf("people stats: %w", FormatError(err))
	}
	people := []doctales.PersonStats{}
	for rows.Next() {
		var p doctales.PersonStats
		var last string
		if err := rows.Scan(&p.ID, &p.Name, &p.Organization, &p.Total, &p.High, &p.Open, &last,
			&p.TheyReplied, &p.TheyReplySeconds, &p.RepliedTo, &p.RepliedToSeconds); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("people stats: %w", FormatError(err))
		}
		if p.Last, err = parseTime(last); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("people stats: %w", err)
		}
		people = append(people, p)
	}
	if err := rows.Close(); err != nil {
		return nil, nil, fmt.Errorf("people stats: %w", FormatError(err))
	}
	query = `SELECT org, total, people, high, open, last_ts FROM analytics_orgs WHERE ` + own + ` ORDER BY total DESC, last_ts DESC, org LIMIT ?`
	if _, scoped := doctales.OwnerFromContext(ctx); !scoped {
		query = `SELECT org, SUM(total) AS n, SUM(people), SUM(high), SUM(open), MAX(last_ts)
		FROM analytics_orgs GROUP BY org ORDER BY n DESC, MAX(last_ts) DESC, org LIMIT ?`
	}
	rows, err = db.rdb.QueryContext(ctx, query, append(args, limit)...)
	if err != nil {
		return nil, nil, fmt.Errorf("organisation stats: %w", FormatError(err))
	}
	defer rows.Close()
	orgs := []doctales.OrgStats{}
	for rows.Next() {
		var o doctales.OrgStats
		var last string
		if err := rows.Scan(&o.Name, &o.Total, &o.People, &o.High, &o.Open, &last); err != nil {
			return nil, nil, fmt.Errorf("organisation stats: %w", FormatError(err))
		}
		if o.Last, err = parseTime(last); err != nil {
			return nil, nil, fmt.Errorf("organisation stats: %w", err)
		}
		orgs = append(orgs, o)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("organisation stats: %w", FormatError(err))
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
	own, args := ownerCond(ctx)
	cond := own + " AND deadline <> ''"
	order := "deadline, id"
	if latest {
		order = "deadline DESC, id DESC"
	}
	if !from.IsZero() {
		cond, args = cond+" AND deadline >= ?", append(args, formatTime(from))
	}
	if !to.IsZero() {
		cond, args = cond+" AND deadline <= ?", append(args, formatTime(to))
	}
	rows, err := db.rdb.QueryContext(ctx, `SELECT id, subject, name, urgency, deadline, open FROM analytics_facts
		WHERE `+cond+` ORDER BY `+order+` LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("deadlines: %w", FormatError(err))
	}
	defer rows.Close()
	out := []doctales.DeadlineItem{}
	for rows.Next() {
		var d doctales.DeadlineItem
		var dl string
		if err := rows.Scan(&d.ID, &d.Subject, &d.Sender, &d.Urgency, &dl, &d.Open); err != nil {
			return nil, fmt.Errorf("deadlines: %w", FormatError(err))
		}
		if d.Deadline, err = parseTime(dl); err != nil {
			return nil, fmt.Errorf("deadlines: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("deadlines: %w", FormatError(err))
	}
	return out, nil
}

// AnalyticsEmpty reports whether no fact has been applied yet, so that the
// server can fill the aggregates once from the stored items (items older
// than the change log's horizon would otherwise never be counted).
func (db *DB) AnalyticsEmpty(ctx context.Context) (bool, error) {
	var n int
	if err := db.rdb.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM analytics_facts)`).Scan(&n); err != nil {
		return false, fmt.Errorf("analytics facts: %w", FormatError(err))
	}
	return n == 0, nil
}
