package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/doctales/doctales"
	"github.com/jackc/pgx/v5"
)

// The people and project directory of the dashboard (GET /people,
// GET /projects, httpapi.Directory), read from the items table as package
// sqlite reads it (sqlite/people.go), so that every api process of a
// cluster answers alike. Like FindItems, each read is scoped to the owner
// in ctx.

// senderKey is the SQL expression that identifies a sender: the sender id,
// or the display name when the communication has no sender id.
const senderKey = `(CASE WHEN sender_id <> '' THEN sender_id ELSE sender END) COLLATE "C"`

// senderDomain is the lower-case domain of a sender id that is an e-mail
// address (after its first '@'), NULL otherwise.
const senderDomain = `(CASE WHEN strpos(sender_id, '@') > 0 THEN lower(substr(sender_id, strpos(sender_id, '@') + 1)) END) COLLATE "C"`

// maxPersonProjects bounds the projects listed per person, as package
// sqlite's.
const maxPersonProjects = 20

// FindPeople returns the senders of the communications in the table, most
// communications first (then the latest contact first, then by id), with
// their counts, the display name of their latest communication and their
// projects (by name, at most 20). Each sender appears once, however many
// names it used. Limit 0 means doctales.DefaultPageSize; above
// doctales.MaxPageSize it is lowered; a negative limit is EINVALID. A
// query or organisation that is not storable text matches no one.
func (db *DB) FindPeople(ctx context.Context, filter doctales.PeopleFilter) ([]*doctales.Person, error) {
	limit, err := doctales.PageLimit(filter.Limit)
	if err != nil {
		return nil, err
	}
	var a analyticsArgs
	where := []string{"(sender_id <> '' OR sender <> '')", a.ownerCond(ctx)}
	if q := strings.TrimSpace(filter.Query); q != "" {
		if !storable(q) {
			return []*doctales.Person{}, nil
		}
		like := a.add("%" + escapeLike(strings.ToLower(q)) + "%")
		where = append(where, `(lower(sender_id) LIKE `+like+` ESCAPE '\' OR lower(sender) LIKE `+like+` ESCAPE '\')`)
	}
	if o := strings.TrimSpace(filter.Organization); o != "" {
		if !storable(o) {
			return []*doctales.Person{}, nil
		}
		where = append(where, senderDomain+" = "+a.add(strings.ToLower(o)))
	}
	// The name and domain are the latest communication's, as SQLite's
	// bare columns beside MAX(ts) are.
	rows, err := db.pool.Query(ctx, `SELECT `+senderKey+` AS k, (array_agg(sender ORDER BY ts DESC, id DESC))[1],
			max(ts) AS last, count(*) AS n, count(*) FILTER (WHERE urgency = 'high'),
			(array_agg(DISTINCT project ORDER BY project) FILTER (WHERE project <> ''))[1:`+fmt.Sprint(maxPersonProjects)+`],
			(array_agg(`+senderDomain+` ORDER BY ts DESC, id DESC))[1]
		FROM items WHERE `+strings.Join(where, " AND ")+`
		GROUP BY k ORDER BY n DESC, last DESC, k LIMIT `+a.add(limit), a...)
	if err != nil {
		return nil, fmt.Errorf("find people: %w", err)
	}
	people := []*doctales.Person{}
	var p doctales.Person
	var last string
	var projects []string
	var domain *string
	if _, err := pgx.ForEachRow(rows, []any{&p.ID, &p.Name, &last, &p.Count, &p.High, &projects, &domain}, func() error {
		q := p
		var err error
		if q.Last, err = parseTime(last); err != nil {
			return err
		}
		if q.Name == "" {
			q.Name = q.ID
		}
		if domain != nil {
			q.Organization = *domain
		}
		q.Projects = append([]string{}, projects...)
		people = append(people, &q)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("find people: %w", err)
	}
	return people, nil
}

// escapeLike escapes the LIKE wildcards of s with a backslash.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// FindOrganizations returns the domains of the senders whose id is an
// e-mail address, most communications first, with their counts. Limit as
// in FindPeople.
func (db *DB) FindOrganizations(ctx context.Context, limit int) ([]*doctales.Organization, error) {
	limit, err := doctales.PageLimit(limit)
	if err != nil {
		return nil, err
	}
	var a analyticsArgs
	cond := a.ownerCond(ctx)
	rows, err := db.pool.Query(ctx, `SELECT `+senderDomain+` AS d, count(*) AS n, count(DISTINCT sender_id),
			count(*) FILTER (WHERE urgency = 'high'), max(ts) AS last
		FROM items WHERE strpos(sender_id, '@') > 0 AND `+cond+`
		GROUP BY d ORDER BY n DESC, last DESC, d LIMIT `+a.add(limit), a...)
	if err != nil {
		return nil, fmt.Errorf("find organizations: %w", err)
	}
	orgs := []*doctales.Organization{}
	var o doctales.Organization
	var last string
	if _, err := pgx.ForEachRow(rows, []any{&o.Name, &o.Count, &o.People, &o.High, &last}, func() error {
		q := o
		var err error
		if q.Last, err = parseTime(last); err != nil {
			return err
		}
		orgs = append(orgs, &q)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("find organizations: %w", err)
	}
	return orgs, nil
}

// FindProjects returns the projects of the communications in the table,
// most communications first, with their counts. Limit as in FindPeople.
func (db *DB) FindProjects(ctx context.Context, limit int) ([]*doctales.ProjectSummary, error) {
	limit, err := doctales.PageLimit(limit)
	if err != nil {
		return nil, err
	}
	var a analyticsArgs
	cond := a.ownerCond(ctx)
	rows, err := db.pool.Query(ctx, `SELECT project COLLATE "C" AS p, count(*) AS n, count(*) FILTER (WHERE urgency = 'high'), max(ts) AS last
		FROM items WHERE `+cond+` GROUP BY p ORDER BY n DESC, last DESC, p LIMIT `+a.add(limit), a...)
	if err != nil {
		return nil, fmt.Errorf("find projects: %w", err)
	}
	projects := []*doctales.ProjectSummary{}
	var p doctales.ProjectSummary
	var last string
	if _, err := pgx.ForEachRow(rows, []any{&p.Project, &p.Count, &p.High, &last}, func() error {
		q := p
		var err error
		if q.Last, err = parseTime(last); err != nil {
			return err
		}
		projects = append(projects, &q)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("find projects: %w", err)
	}
	return projects, nil
}
