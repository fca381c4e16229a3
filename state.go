package doctales

import (
	"fmt"
	"strings"
	"time"
)

// Triage states of an item (Item.State, issue 12). An open item has State
// "": it is what the reader still has to deal with.
const (
	StateOpen    = "open"    // not done, not snoozed (stored as "")
	StateDone    = "done"    // dealt with: hidden from "needs you now"
	StateSnoozed = "snoozed" // hidden until StateUntil, then open again
	// StateWaiting: the reader has done their part (answered, asked) and
	// waits on someone else; listed under "waiting on others" in the
	// NowView, out of the open lists until reopened.
	StateWaiting = "waiting"
)

// States lists the values of ItemFilter.State (?state=).
var States = []string{StateOpen, StateDone, StateSnoozed, StateWaiting}

// State changes a client may ask for (PATCH /communications/{id}): the two
// states, open again, and the flags read and pinned.
const (
	ChangeOpen     = StateOpen
	ChangeDone     = StateDone
	ChangeSnoozed  = StateSnoozed
	ChangeWaiting  = StateWaiting
	ChangeRead     = "read"
	ChangeUnread   = "unread"
	ChangePinned   = "pinned"
	ChangeUnpinned = "unpinned"
)

// StateChanges lists the state changes, in the order they are documented.
var StateChanges = []string{ChangeDone, ChangeSnoozed, ChangeWaiting, ChangeOpen, ChangeRead, ChangeUnread, ChangePinned, ChangeUnpinned}

// MaxSnooze is the furthest ahead a snooze may end.
const MaxSnooze = 366 * 24 * time.Hour

// StateChange is one change of an item's triage state: State is one of
// StateChanges; Until is when a snooze ends (ChangeSnoozed only).
type StateChange struct {
	State string
	Until time.Time
}

// Validate checks the change at now: a known state, and for a snooze an
// Until after now and at most MaxSnooze ahead. Errors are EINVALID naming
// the field ("state" or "until") and the limit.
func (c StateChange) Validate(now time.Time) error {
	known := false
	for _, s := range StateChanges {
		known = known || s == c.State
	}
	switch {
	case !known:
		return FieldErrorf(EINVALID, "state", "state %q is not one of %s", c.State, strings.Join(StateChanges, ", "))
	case c.State != ChangeSnoozed && !c.Until.IsZero():
		return FieldErrorf(EINVALID, "until", "until is only for state snoozed, not %q", c.State)
	case c.State != ChangeSnoozed:
		return nil
	case c.Until.IsZero():
		return FieldErrorf(EINVALID, "until", "state snoozed needs until, an RFC 3339 time such as %s", now.Add(24*time.Hour).UTC().Format(time.RFC3339))
	case !c.Until.After(now):
		return FieldErrorf(EINVALID, "until", "until %s is not in the future (now is %s)", c.Until.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case c.Until.Sub(now) > MaxSnooze:
		return FieldErrorf(EINVALID, "until", "until %s is more than %d days ahead; the limit is %d days", c.Until.Format(time.RFC3339), int(c.Until.Sub(now).Hours()/24), int(MaxSnooze.Hours()/24))
	}
	return nil
}

// ApplyState applies c to it, leaving StateAt and UpdatedAt to the caller
// (the table sets them only when something changed): done, waiting and
// open clear a snooze, a snooze sets StateUntil, read and pinned set their flags. An
// unknown state is an error naming it.
func (it *Item) ApplyState(c StateChange) error {
	switch c.State {
	case ChangeOpen:
		it.State, it.StateUntil = "", nil
	case ChangeDone:
		it.State, it.StateUntil = StateDone, nil
	case ChangeWaiting:
		it.State, it.StateUntil = StateWaiting, nil
	case ChangeSnoozed:
		u := c.Until.UTC()
		it.State, it.StateUntil = StateSnoozed, &u
	case ChangeRead, ChangeUnread:
		it.Metadata.Read = c.State == ChangeRead
	case ChangePinned, ChangeUnpinned:
		it.Pinned = c.State == ChangePinned
	default:
		return fmt.Errorf("apply state: %q is not one of %s", c.State, strings.Join(StateChanges, ", "))
	}
	return nil
}

// EffectiveState returns the item's state as the reader sees it at now: a snooze
// whose time has passed is open, even before its wake-up is written.
func (it *Item) EffectiveState(now time.Time) string {
	switch {
	case it.State == StateSnoozed && it.StateUntil != nil && !now.Before(*it.StateUntil):
		return StateOpen
	case it.State == "":
		return StateOpen
	}
	return it.State
}
