package fsblob

import (
	"context"
	"fmt"
)

// Announce appends an ObjectCreated:Put event for the object already stored
// under key, as Put would have, without writing the object: doctales doctor
// --repair uses it so that the extraction function processes an object
// whose item it has rebuilt (issue 10). The object's bytes and time are
// unchanged. A missing object is ENOTFOUND; without Events it only reads the
// object.
func (s *Store) Announce(ctx context.Context, key string) error {
	_, info, err := s.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("announce object %q: %w", key, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.open {
		return ErrClosed
	}
	l := &s.keyLocks[stripe(key)]
	l.Lock()
	defer l.Unlock()
	seq := s.nextSequencer()
	if s.Events == nil {
		return nil
	}
	rec, err := s.event(info, seq)
	if err != nil {
		return fmt.Errorf("announce object %q: event: %w", key, err)
	}
	if err := s.Events.Append(ctx, rec); err != nil {
		return fmt.Errorf("announce object %q: append event: %w", key, err)
	}
	return nil
}
