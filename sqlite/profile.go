package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/doctales/doctales"
)

// UserProfile returns the stored profile of the user, or ENOTFOUND when the
// user has none (the API then answers doctales.DefaultUserProfile).
func (db *DB) UserProfile(ctx context.Context, id string) (*doctales.UserProfile, error) {
	var conf, prefs, updated string
	p := &doctales.UserProfile{ID: id}
	if err := db.rdb.QueryRowContext(ctx, `SELECT primary_archetype, archetype_confidence, preferences, updated_at
		FROM user_profiles WHERE id = ?`, id).Scan(&p.PrimaryArchetype, &conf, &prefs, &updated); errNoRows(err) {
		return nil, doctales.Errorf(doctales.ENOTFOUND, "User profile %q not found.", id)
	} else if err != nil {
		return nil, fmt.Errorf("get user profile %q: %w", id, FormatError(err))
	}
	if err := json.Unmarshal([]byte(conf), &p.ArchetypeConfidence); err != nil {
		return nil, fmt.Errorf("get user profile %q: decode confidence: %w", id, err)
	}
	p.Preferences = json.RawMessage(prefs)
	t, err := parseTime(updated)
	if err != nil {
		return nil, fmt.Errorf("get user profile %q: %w", id, err)
	}
	p.UpdatedAt = &t
	return p, nil
}

// PutUserProfile stores p, replacing the user's stored profile, and sets
// p.UpdatedAt to Now. A nil ArchetypeConfidence or empty Preferences keeps
// the stored value (or the default's, for a new user), as the original
// UpdateItem kept attributes it was not given. An invalid profile is
// EINVALID or ETOOLARGE (see doctales.UserProfile.Validate).
func (db *DB) PutUserProfile(ctx context.Context, p *doctales.UserProfile) error {
	if p == nil {
		return doctales.Errorf(doctales.EINVALID, "User profile required.")
	}
	if err := p.Validate(); err != nil {
		return err
	}
	var conf []byte
	if p.ArchetypeConfidence != nil {
		var err error
		if conf, err = json.Marshal(p.ArchetypeConfidence); err != nil {
			return fmt.Errorf("put user profile %q: %w", p.ID, err)
		}
	}
	now := db.Now()
	def := doctales.DefaultUserProfile(p.ID)
	defConf, _ := json.Marshal(def.ArchetypeConfidence)

	// Insert, or update only the fields given; COALESCE keeps the others.
	if err := db.write(ctx, func(tx *writeTx) error {
		_, err := tx.exec(`INSERT INTO user_profiles (id, primary_archetype, archetype_confidence, preferences, updated_at)
			VALUES (?1, ?2, COALESCE(?3, ?4), COALESCE(?5, ?6), ?7)
			ON CONFLICT (id) DO UPDATE SET
				primary_archetype    = excluded.primary_archetype,
				archetype_confidence = COALESCE(?3, archetype_confidence),
				preferences          = COALESCE(?5, preferences),
				updated_at           = excluded.updated_at`,
			p.ID, p.PrimaryArchetype, nullText(conf), string(defConf), nullText(p.Preferences), string(def.Preferences),
			formatTime(now))
		return FormatError(err)
	}); err != nil {
		return fmt.Errorf("put user profile %q: %w", p.ID, err)
	}
	p.UpdatedAt = &now
	return nil
}

// nullText returns b as a string, or nil (SQL NULL) when b is empty.
func nullText(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}
