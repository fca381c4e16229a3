// Package invite reads what the extraction engine needs from a calendar
// invitation sent inside a mail (the text/calendar part Outlook, Google
// Calendar and most calendar servers attach): when the meeting starts, and
// whether the part invites, cancels or answers (its METHOD).
//
// The start matters because an Outlook invitation's body often says no
// time at all ("Join the meeting"), or says it in words the date parser
// cannot anchor, while DTSTART names the instant exactly (issue 14: "an
// invitation's deadline is the meeting start").
//
// Parsing is github.com/emersion/go-ical's; this package bounds the input,
// turns a library panic into an error, and maps the Windows time-zone
// names Outlook writes in TZID ("W. Europe Standard Time") to IANA zones.
package invite

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// MaxBytes bounds the calendar part read: invitations are a few KiB; a
// larger part is refused rather than parsed.
const MaxBytes = 256 << 10

// Methods of an iCalendar object (RFC 5546) that Parse reports.
const (
	MethodRequest = "REQUEST" // an invitation, or an update of one
	MethodCancel  = "CANCEL"  // a cancellation
	MethodReply   = "REPLY"   // an attendee's answer
	MethodPublish = "PUBLISH" // an event shared, not an invitation
)

// Invite is what an invitation says of its first event.
type Invite struct {
	Method  string    // METHOD, upper case; "" when the object has none
	Start   time.Time // DTSTART, in its own zone (or def when floating)
	AllDay  bool      // DTSTART is a date, not a date-time
	Summary string    // SUMMARY, at most 200 bytes
}

// ErrNoEvent is returned for a calendar without a VEVENT that has a
// DTSTART.
var ErrNoEvent = errors.New("invite: no event with a start")

// Parse reads the first VEVENT of the iCalendar object data. A floating
// DTSTART (no zone) is read in def, the message's own zone. It never
// panics: a panic in the parser comes back as an error naming it.
func Parse(data []byte, def *time.Location) (inv Invite, err error) {
	if len(data) > MaxBytes {
		return Invite{}, fmt.Errorf("invite: calendar part is %d bytes; the limit is %d", len(data), MaxBytes)
	}
	if def == nil {
		def = time.UTC
	}
	defer func() {
		if r := recover(); r != nil {
			inv, err = Invite{}, fmt.Errorf("invite: the iCalendar parser failed on this part: %v", r)
		}
	}()
	cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		return Invite{}, fmt.Errorf("invite: %w", err)
	}
	if p := cal.Props.Get(ical.PropMethod); p != nil {
		inv.Method = strings.ToUpper(strings.TrimSpace(p.Value))
	}
	for _, ev := range cal.Events() {
		p := ev.Props.Get(ical.PropDateTimeStart)
		if p == nil {
			continue
		}
		start, err := startOf(p, cal, def)
		if err != nil {
			return Invite{}, err
		}
		inv.Start = start
		inv.AllDay = p.ValueType() == ical.ValueDate || len(p.Value) == len("20060102")
		if s, err := ev.Props.Text(ical.PropSummary); err == nil {
			inv.Summary = cut(s, 200)
		}
		return inv, nil
	}
	return Invite{}, ErrNoEvent
}

// startOf reads DTSTART in its TZID: an IANA name, a Windows name Outlook
// writes, or, failing both, the fixed offset the calendar's own VTIMEZONE
// gives for its standard time.
func startOf(p *ical.Prop, cal *ical.Calendar, def *time.Location) (time.Time, error) {
	tzid := p.Params.Get(ical.PropTimezoneID)
	if tzid == "" || strings.HasSuffix(p.Value, "Z") {
		t, err := p.DateTime(def)
		if err != nil {
			return time.Time{}, fmt.Errorf("invite: DTSTART %q: %w", cut(p.Value, 40), err)
		}
		return t, nil
	}
	loc := zone(tzid, cal)
	if loc == nil {
		loc = def
	}
	// Read it as floating in loc: the library would reload the TZID.
	q := *p
	q.Params = ical.Params{}
	for k, v := range p.Params {
		if !strings.EqualFold(k, ical.PropTimezoneID) {
			q.Params[k] = v
		}
	}
	t, err := q.DateTime(loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("invite: DTSTART %q in %q: %w", cut(p.Value, 40), cut(tzid, 60), err)
	}
	return t, nil
}

// zone resolves a TZID, nil when it cannot.
func zone(tzid string, cal *ical.Calendar) *time.Location {
	tzid = strings.Trim(tzid, `"`)
	if name, ok := windowsZones[tzid]; ok {
		tzid = name
	}
	// time.LoadLocation refuses names with "..", and reads only the
	// zone database; a hostile TZID finds nothing.
	if len(tzid) <= 64 {
		if loc, err := time.LoadLocation(tzid); err == nil {
			return loc
		}
	}
	for _, c := range cal.Children {
		if c.Name != ical.CompTimezone {
			continue
		}
		if id := c.Props.Get(ical.PropTimezoneID); id == nil || strings.Trim(id.Value, `"`) != tzid {
			continue
		}
		for _, sub := range c.Children {
			if sub.Name != ical.CompTimezoneStandard {
				continue
			}
			if off := sub.Props.Get("TZOFFSETTO"); off != nil {
				if secs, ok := offset(off.Value); ok {
					return time.FixedZone(tzid, secs)
				}
			}
		}
	}
	return nil
}

// offset reads a UTC offset "+0100" or "-053000" as seconds east of UTC.
func offset(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if len(s) != 5 && len(s) != 7 || s[0] != '+' && s[0] != '-' {
		return 0, false
	}
	n := 0
	for i, r := range s[1:] {
		if r < '0' || r > '9' {
			return 0, false
		}
		d := int(r - '0')
		switch i {
		case 0:
			n += d * 36000
		case 1:
			n += d * 3600
		case 2:
			n += d * 600
		case 3:
			n += d * 60
		case 4:
			n += d * 10
		case 5:
			n += d
		}
	}
	if n >= 24*3600 {
		return 0, false
	}
	if s[0] == '-' {
		n = -n
	}
	return n, true
}

// windowsZones maps the Windows time-zone names Outlook and Exchange write
// in TZID to IANA zones (the common ones of CLDR's windowsZones table).
var windowsZones = map[string]string{
	"UTC":                             "UTC",
	"GMT Standard Time":               "Europe/London",
	"Greenwich Standard Time":         "Atlantic/Reykjavik",
	"W. Europe Standard Time":         "Europe/Berlin",
	"Romance Standard Time":           "Europe/Paris",
	"Central Europe Standard Time":    "Europe/Budapest",
	"Central European Standard Time":  "Europe/Warsaw",
	"E. Europe Standard Time":         "Europe/Chisinau",
	"GTB Standard Time":               "Europe/Bucharest",
	"FLE Standard Time":               "Europe/Kiev",
	"Russian Standard Time":           "Europe/Moscow",
	"Eastern Standard Time":           "America/New_York",
	"Central Standard Time":           "America/Chicago",
	"Mountain Standard Time":          "America/Denver",
	"US Mountain Standard Time":       "America/Phoenix",
	"Pacific Standard Time":           "America/Los_Angeles",
	"Alaskan Standard Time":           "America/Anchorage",
	"Hawaiian Standard Time":          "Pacific/Honolulu",
	"Atlantic Standard Time":          "America/Halifax",
	"Canada Central Standard Time":    "America/Regina",
	"Central Standard Time (Mexico)":  "America/Mexico_City",
	"SA Eastern Standard Time":        "America/Cayenne",
	"E. South America Standard Time":  "America/Sao_Paulo",
	"Argentina Standard Time":         "America/Buenos_Aires",
	"Pacific SA Standard Time":        "America/Santiago",
	"SA Pacific Standard Time":        "America/Bogota",
	"India Standard Time":             "Asia/Calcutta",
	"China Standard Time":             "Asia/Shanghai",
	"Tokyo Standard Time":             "Asia/Tokyo",
	"Singapore Standard Time":         "Asia/Singapore",
	"AUS Eastern Standard Time":       "Australia/Sydney",
	"E. Australia Standard Time":      "Australia/Brisbane",
	"W. Australia Standard Time":      "Australia/Perth",
	"New Zealand Standard Time":       "Pacific/Auckland",
	"South Africa Standard Time":      "Africa/Johannesburg",
	"Arabian Standard Time":           "Asia/Dubai",
	"Israel Standard Time":            "Asia/Jerusalem",
	"Turkey Standard Time":            "Europe/Istanbul",
	"Egypt Standard Time":             "Africa/Cairo",
	"W. Central Africa Standard Time": "Africa/Lagos",
}

// cut returns at most n bytes of s, whole runes.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
