package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/doctales/doctales"
)

// senderKey is the SQL expression that identifies a sender: the sender id,
// or the display name when the communication has no sender id.
const senderKey = `CASE WHEN sender_id <> '' THEN sender_id ELSE sender END`

// senderDomain is the SQL expression of the lower-case domain of a sender
// id that is an e-mail address, NULL otherwise.
const senderDomain = `CASE WHEN instr(sender_id, '@') > 0 THEN lower(substr(sender_id, instr(sender_id, '@') + 1)) END`

// FindPeople returns the senders of the communications in the table, most
// communications first (then the latest contact first), with their counts,
// the display name of their latest communication and their projects. Each
// sender appears once, however many names it used. Limit 0 means
// doctales.DefaultPageSize; above doctales.MaxPageSize it is lowered; a
// negative limit is EINVALID.
func (db *DB) FindPeople(ctx context.Context, filter doctales.PeopleFilter) ([]*doctales.Person, error) {
	limit, err := pageLimit(filter.Limit)
	if err != nil {
		return nil, err
	}
	where, args := []string{"(sender_id <> '' OR sender <> '')"}, []any{}
	if owner, ok := doctales.OwnerFromContext(ctx); ok {
		where, args = append(where, "owner = ?"), append(args, owner)
	}
	if q := strings.TrimSpace(filter.Query); q != "" {
		like := "%" + escapeLike(strings.ToLower(q)) + "%"
		where, args = append(where, `(lower(sender_id) LIKE ? ESCAPE '\' OR lower(sender) LIKE ? ESCAPE '\')`), append(args, like, like)
	}
	if o := strings.TrimSpace(filter.Organization); o != "" {
		where, args = append(where, senderDomain+" = ?"), append(args, strings.ToLower(o))
	}
	// SQLite takes the bare column sender from the row that holds MAX(ts):
	// the name of the latest communication.
	query := `SELECT ` + senderKey + ` AS k, sender, MAX(ts) AS last, COUNT(*) AS n, SUM(urgency = 'high'),
			json_group_array(DISTINCT project), ` + senderDomain + `
		FROM items WHERE ` + strings.Join(where, " AND ") + `
		GROUP BY k ORDER BY n DESC, last DESC, k LIMIT ?`
	rows, err := db.rdb.QueryContext(ctx, query, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("find people: %w", FormatError(err))
	}
	defer rows.Close()
	people := []*doctales.Person{}
	for rows.Next() {
		var p doctales.Person
		var last string
		var projects string
		var domain *string
		if err := rows.Scan(&p.ID, &p.Name, &last, &p.Count, &p.High, &projects, &domain); err != nil {
			return nil, fmt.Errorf("find people: %w", FormatError(err))
		}
		if p.Last, err = parseTime(last); err != nil {
			return nil, fmt.Errorf("find people: %w", err)
		}
		if p.Name == "" {
			p.Name = p.ID
		}
		if domain != nil {
			p.Organization = *domain
		}
		if p.Projects, err = decodeProjects(projects); err != nil {
			return nil, fmt.Errorf("find people: %w", err)
		}
		people = append(people, &p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find people: %w", FormatError(err))
	}
	return people, nil
}

// FindOrganizations returns the domains of the senders whose id is an
// e-mail address, most communications first, with their counts. Limit as
// in FindPeople.
func (db *DB) FindOrganizations(ctx context.Context, limit int) ([]*doctales.Organization, error) {
	limit, err := pageLimit(limit)
	if err != nil {
		return nil, err
	}
	cond, args := ownerCond(ctx)
	rows, err := db.rdb.QueryContext(ctx, `SELECT `+senderDomain+` AS d, COUNT(*), COUNT(DISTINCT sender_id),
			SUM(urgency = 'high'), MAX(ts) AS last
		FROM items WHERE instr(sender_id, '@') > 0 AND `+cond+`
		GROUP BY d ORDER BY COUNT(*) DESC, last DESC, d LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("find organizations: %w", FormatError(err))
	}
	defer rows.Close()
	orgs := []*doctales.Organization{}
	for rows.Next() {
		var o doctales.Organization
		var last string
		if err := rows.Scan(&o.Name, &o.Count, &o.People, &o.High, &last); err != nil {
			return nil, fmt.Errorf("find organizations: %w", FormatError(err))
		}
		if o.Last, err = parseTime(last); err != nil {
			return nil, fmt.Errorf("find organizations: %w", err)
		}
		orgs = append(orgs, &o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find organizations: %w", FormatError(err))
	}
	return orgs, nil
}

// FindProjects returns the projects of the communications in the table,
// most communications first, with their counts. Limit as in FindPeople.
func (db *DB) FindProjects(ctx context.Context, limit int) ([]*doctales.ProjectSummary, error) {
	limit, err := pageLimit(limit)
	if err != nil {
		return nil, err
	}
	cond, args := ownerCond(ctx)
	rows, err := db.rdb.QueryContext(ctx, `SELECT project, COUNT(*), SUM(urgency = 'high'), MAX(ts) AS last
		FROM items WHERE `+cond+` GROUP BY project ORDER BY COUNT(*) DESC, last DESC, project LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("find projects: %w", FormatError(err))
	}
	defer rows.Close()
	projects := []*doctales.ProjectSummary{}
	for rows.Next() {
		var p doctales.ProjectSummary
		var last string
		if err := rows.Scan(&p.Project, &p.Count, &p.High, &last); err != nil {
			return nil, fmt.Errorf("find projects: %w", FormatError(err))
		}
		if p.Last, err = parseTime(last); err != nil {
			return nil, fmt.Errorf("find projects: %w", err)
		}
		projects = append(projects, &p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find projects: %w", FormatError(err))
	}
	return projects, nil
}

// ownerCond returns the SQL condition that keeps the items ctx may see
// (doctales.WithOwner) and its arguments.
func ownerCond(ctx context.Context) (string, []any) {
	if owner, ok := doctales.OwnerFromContext(ctx); ok {
		return "owner = ?", []any{owner}
	}
	return "1 = 1", nil
}

// pageLimit applies the page size rules of FindItems to limit.
func pageLimit(limit int) (int, error) {
	switch {
	case limit < 0:
		return 0, doctales.FieldErrorf(doctales.EINVALID, "limit", "Limit must not be negative.")
	case limit == 0:
		return doctales.DefaultPageSize, nil
	case limit > doctales.MaxPageSize:
		return doctales.MaxPageSize, nil
	}
	return limit, nil
}

// escapeLike escapes the LIKE wildcards of s with a backslash.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// maxPersonProjects bounds the projects listed per person.
const maxPersonProjects = 20

// decodeProjects decodes a json_group_array of project names, dropping empty
// names and keeping at most maxPersonProjects.
func decodeProjects(s string) ([]string, error) {
	var all []string
	if err := json.Unmarshal([]byte(s), &all); err != nil {
		return nil, fmt.Errorf("decode projects: %w", err)
	}
	out := make([]string, 0, min(len(all), maxPersonProjects))
	for _, p := range all {
		if p != "" && len(out) < maxPersonProjects {
			out = append(out, p)
		}
	}
	return out, nil
}
