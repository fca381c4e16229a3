package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/doctales/doctales"
	"github.com/jackc/pgx/v5"
)

// The dashboard users' profiles (GET/PUT /user-profile,
// httpapi.ProfileStore), as package sqlite keeps them (sqlite/profile.go),
// shared by every api process of a cluster: an archetype set through one
// is read through the others.

// UserProfile returns the stored profile of the user, or ENOTFOUND when the
// user has none (the API then answers doctales.DefaultUserProfile). An id
// that is not storable text has none.
func (db *DB) UserProfile(ctx context.Context, id string) (*doctales.UserProfile, error) {
	if !storable(id) {
		return nil, doctales.Errorf(doctales.ENOTFOUND, "User profile %q not found.", id)
	}
	var conf, prefs, updated string
	p := &doctales.UserProfile{ID: id}
	err := db.pool.QueryRow(ctx, `SELECT primary_archetype, archetype_confidence, preferences, updated_at
		FROM user_profiles WHERE id = $1`, id).Scan(&p.PrimaryArchetype, &conf, &prefs, &updated)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, doctales.Errorf(doctales.ENOTFOUND, "User profile %q not found.", id)
	} else if err != nil {
		return nil, fmt.Errorf("get user profile %q: %w", id, err)
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
// p.UpdatedAt to now. A nil ArchetypeConfidence or empty Preferences keeps
// the stored value (or the default's, for a new user), in one statement,
// so two api processes writing one profile at once each keep what the
// other did not set. An invalid profile is EINVALID or ETOOLARGE naming the
// field (doctales.UserProfile.Validate); text PostgreSQL cannot hold (a NUL
// byte in the id, or escaped in the preferences' JSON) is EINVALID naming it.
func (db *DB) PutUserProfile(ctx context.Context, p *doctales.UserProfile) error {
	if p == nil {
		return doctales.Errorf(doctales.EINVALID, "User profile required.")
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if err := checkText("id", p.ID); err != nil {
		return err
	}
	var conf []byte
	if p.ArchetypeConfidence != nil {
		var err error
		if conf, err = json.Marshal(p.ArchetypeConfidence); err != nil {
			return fmt.Errorf("put user profile %q: %w", p.ID, err)
		}
	}
	if err := checkText("preferences", string(p.Preferences)); err != nil {
		return err
	}
	now := db.nowMicro()
	def := doctales.DefaultUserProfile(p.ID)
	defConf, _ := json.Marshal(def.ArchetypeConfidence)
	if _, err := db.pool.Exec(ctx, `INSERT INTO user_profiles (id, primary_archetype, archetype_confidence, preferences, updated_at)
		VALUES ($1, $2, COALESCE($3, $4), COALESCE($5, $6), $7)
		ON CONFLICT (id) DO UPDATE SET
			primary_archetype    = excluded.primary_archetype,
			archetype_confidence = COALESCE($3, user_profiles.archetype_confidence),
			preferences          = COALESCE($5, user_profiles.preferences),
			updated_at           = excluded.updated_at`,
		p.ID, p.PrimaryArchetype, nullText(conf), string(defConf), nullText(p.Preferences), string(def.Preferences),
		formatTime(now)); err != nil {
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
