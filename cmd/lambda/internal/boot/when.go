package boot

import (
	"fmt"
	"slices"
	"strings"
	"time"
	// The Lambda runtime image need not carry a zoneinfo database:
	// DOCTALES_TIMEZONE is read from the one embedded in the binary.
	_ "time/tzdata"

	"github.com/doctales/doctales/notify"
)

// readQuietAndDigest reads EnvQuietHours, EnvDigest, EnvTimezone and
// EnvTestNow with the notify package's parsers and the embedded server's
// bounds, naming the variable and value at fault.
func (e *Env) readQuietAndDigest(getenv func(string) string) error {
	e.Clock = time.Now
	if v := getenv(EnvTestNow); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return fmt.Errorf("%s=%q: want an RFC 3339 time (tests only)", EnvTestNow, v)
		}
		offset := time.Until(t)
		e.Clock = func() time.Time { return time.Now().Add(offset) }
	}
	e.Location = time.UTC
	if v := getenv(EnvTimezone); v != "" {
		loc, err := time.LoadLocation(v)
		if err != nil || v == "Local" {
			return fmt.Errorf("%s=%q: unknown time zone; use an IANA name such as Europe/Berlin, or UTC", EnvTimezone, v)
		}
		e.Location = loc
	}
	raw := getenv(EnvQuietHours)
	for _, part := range strings.Split(raw, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		ch, window, ok := strings.Cut(part, "=")
		ch = strings.TrimSpace(ch)
		if !ok {
			return fmt.Errorf("%s=%q: %q is not CHANNEL=HH:MM-HH:MM, such as email=22:00-07:00", EnvQuietHours, raw, part)
		}
		if !slices.Contains(AWSChannels, ch) {
			return fmt.Errorf("%s=%q: channel %q is not one of %s", EnvQuietHours, raw, ch, strings.Join(AWSChannels, ", "))
		}
		if _, dup := e.QuietHours[ch]; dup {
			return fmt.Errorf("%s=%q: channel %q is given twice", EnvQuietHours, raw, ch)
		}
		q, err := notify.ParseQuietHours(strings.TrimSpace(window))
		if err != nil {
			return fmt.Errorf("%s=%q: %w", EnvQuietHours, raw, err)
		}
		if e.QuietHours == nil {
			e.QuietHours = map[string]notify.QuietHours{}
		}
		e.QuietHours[ch] = q
	}
	if raw := strings.TrimSpace(getenv(EnvDigest)); raw != "" {
		d, err := parseDigest(raw)
		if err != nil {
			return fmt.Errorf("%s=%q: %w", EnvDigest, raw, err)
		}
		e.Digest = d
	}
	if (len(e.QuietHours) > 0 || e.Digest.Every > 0) && getenv(EnvTimersTable) == "" {
		return fmt.Errorf("%s and %s need %s: a held notification and the digest are timers", EnvQuietHours, EnvDigest, EnvTimersTable)
	}
	return nil
}

// parseDigest reads EVERY@HH:MM:CHANNEL ("24h@08:00:email") with the
// embedded server's bounds on digest.every and digest.channel.
func parseDigest(s string) (notify.DigestPolicy, error) {
	every, rest, ok := strings.Cut(s, "@")
	i := strings.LastIndex(rest, ":")
	if !ok || i < 0 {
		return notify.DigestPolicy{}, fmt.Errorf("not EVERY@HH:MM:CHANNEL, such as 24h@08:00:email")
	}
	at, ch := rest[:i], strings.TrimSpace(rest[i+1:])
	d, err := time.ParseDuration(strings.TrimSpace(every))
	if err != nil || d < time.Minute || d > 7*24*time.Hour {
		return notify.DigestPolicy{}, fmt.Errorf("every %q must be a duration from 1m to 168h, such as 24h or 1h", every)
	}
	m, err := notify.ParseClock(at)
	if err != nil {
		return notify.DigestPolicy{}, fmt.Errorf("at: %w", err)
	}
	if !slices.Contains(AWSChannels, ch) {
		return notify.DigestPolicy{}, fmt.Errorf("channel %q is not one of %s", ch, strings.Join(AWSChannels, ", "))
	}
	return notify.DigestPolicy{Every: d, At: m, Channel: ch}, nil
}
