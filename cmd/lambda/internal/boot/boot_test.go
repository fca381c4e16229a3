package boot

import (
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales/notify"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestReadEnv(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e, err := ReadEnv("notification", env(map[string]string{
			EnvTopicARN: "arn:aws:sns:us-east-1:1:t", EnvLedgerTable: "l", EnvLedgerTTLDays: "30", EnvLogLevel: "debug",
		}))
		if err != nil {
			t.Fatal(err)
		}
		if e.LedgerTTL != 30*24*time.Hour || e.Extractor != "builtin" || e.MaxBodyBytes != 1<<20 || e.LogLevel.String() != "DEBUG" {
			t.Errorf("env = %+v", e)
		}
	})
	t.Run("Timers", func(t *testing.T) {
		e, err := ReadEnv("timers", env(map[string]string{
			EnvTable: "t", EnvTopicARN: "arn:aws:sns:us-east-1:1:t", EnvLedgerTable: "l", EnvTimersTable: "x",
			EnvReminders: "24h, 1h", EnvEscalationAfter: "15m", EnvEscalationChannels: "email,webhook",
		}))
		if err != nil {
			t.Fatal(err)
		}
		if e.TimersTable != "x" || len(e.Reminders) != 2 || e.Reminders[1] != time.Hour || e.EscalationAfter != 15*time.Minute ||
			strings.Join(e.EscalationChannels, ",") != "email,webhook" {
			t.Errorf("env = %+v", e)
		}
	})
	for _, tc := range []struct {
		name, function string
		vars           map[string]string
		want           string
	}{
		{"MissingTopic", "notification", map[string]string{EnvLedgerTable: "l"}, "NOTIFICATION_TOPIC_ARN is required by the notification function"},
		{"MissingBucket", "api", map[string]string{EnvTable: "t"}, "RAW_BUCKET is required by the api function"},
		{"MissingTable", "extraction", map[string]string{EnvBucket: "b"}, "COMMUNICATIONS_TABLE is required"},
		{"BadExtractor", "extraction", map[string]string{EnvBucket: "b", EnvTable: "t", EnvExtractor: "gpt"}, "want builtin or comprehend"},
		{"BadBodyLimit", "api", map[string]string{EnvBucket: "b", EnvTable: "t", EnvMaxBodyBytes: "-1"}, "DOCTALES_MAX_BODY_BYTES"},
		{"BadPathStyle", "api", map[string]string{EnvBucket: "b", EnvTable: "t", EnvS3PathStyle: "maybe"}, "DOCTALES_S3_PATH_STYLE"},
		{"MissingTimersTable", "timers", map[string]string{EnvTable: "t", EnvTopicARN: "a", EnvLedgerTable: "l"}, "TIMERS_TABLE is required by the timers function"},
		{"TimersWithoutTable", "notification", map[string]string{EnvTopicARN: "a", EnvLedgerTable: "l", EnvTimersTable: "x"}, "TIMERS_TABLE needs COMMUNICATIONS_TABLE"},
		{"BadReminder", "notification", map[string]string{EnvTopicARN: "a", EnvLedgerTable: "l", EnvReminders: "24h,soon"}, `DOCTALES_REMINDERS="24h,soon": "soon" is not a positive duration`},
		{"BadEscalationAfter", "notification", map[string]string{EnvTopicARN: "a", EnvLedgerTable: "l", EnvEscalationAfter: "10ms", EnvEscalationChannels: "email"}, "DOCTALES_ESCALATION_AFTER=\"10ms\": want a duration of at least 1s"},
		{"EscalationWithoutChannels", "notification", map[string]string{EnvTopicARN: "a", EnvLedgerTable: "l", EnvEscalationAfter: "15m"}, "needs DOCTALES_ESCALATION_CHANNELS"},
		{"BadEscalationChannel", "notification", map[string]string{EnvTopicARN: "a", EnvLedgerTable: "l", EnvEscalationAfter: "15m", EnvEscalationChannels: "email,pager"}, `channel 2, "pager", is not one of email, webhook, sns`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadEnv(tc.function, env(tc.vars))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestReadEnv_QuietHoursAndDigest reads the quiet hours, digest and time
// zone of the notification and timers functions, and refuses bad ones
// naming the variable and value.
func TestReadEnv_QuietHoursAndDigest(t *testing.T) {
	base := func(extra map[string]string) map[string]string {
		m := map[string]string{EnvTable: "t", EnvTopicARN: "arn:aws:sns:us-east-1:1:t", EnvLedgerTable: "l", EnvTimersTable: "x"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	e, err := ReadEnv("timers", env(base(map[string]string{
		EnvQuietHours: "email=22:00-07:00, webhook=12:00-13:00", EnvDigest: "24h@08:30:email", EnvTimezone: "Europe/Berlin",
	})))
	if err != nil {
		t.Fatal(err)
	}
	if len(e.QuietHours) != 2 || e.QuietHours["email"] != (notify.QuietHours{Start: 22 * 60, End: 7 * 60}) || e.QuietHours["webhook"].Start != 12*60 {
		t.Errorf("quiet hours = %+v", e.QuietHours)
	}
	if e.Digest != (notify.DigestPolicy{Every: 24 * time.Hour, At: 8*60 + 30, Channel: "email"}) {
		t.Errorf("digest = %+v", e.Digest)
	}
	if e.Location.String() != "Europe/Berlin" {
		t.Errorf("location = %s", e.Location)
	}
	if d := time.Since(e.Clock()); d < -time.Second || d > time.Second {
		t.Errorf("clock without %s is %s off", EnvTestNow, d)
	}
	// The test clock starts at DOCTALES_TEST_NOW.
	e, err = ReadEnv("timers", env(base(map[string]string{EnvTestNow: "2026-03-01T23:00:00Z"})))
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC)
	if d := e.Clock().Sub(want); d < 0 || d > time.Second {
		t.Errorf("test clock = %s, want %s", e.Clock(), want)
	}
	if e.Location != time.UTC || e.QuietHours != nil || e.Digest.Every != 0 {
		t.Errorf("defaults = %+v", e)
	}
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"QuietNoEquals", base(map[string]string{EnvQuietHours: "email 22:00-07:00"}), `DOCTALES_QUIET_HOURS="email 22:00-07:00": "email 22:00-07:00" is not CHANNEL=HH:MM-HH:MM`},
		{"QuietChannel", base(map[string]string{EnvQuietHours: "pager=22:00-07:00"}), `channel "pager" is not one of email, webhook, sns`},
		{"QuietTwice", base(map[string]string{EnvQuietHours: "email=22:00-07:00,email=1:00-2:00"}), `channel "email" is given twice`},
		{"QuietWindow", base(map[string]string{EnvQuietHours: "email=22:00-22:00"}), "start and end at the same time"},
		{"DigestShape", base(map[string]string{EnvDigest: "daily"}), `DOCTALES_DIGEST="daily": not EVERY@HH:MM:CHANNEL`},
		{"DigestEvery", base(map[string]string{EnvDigest: "10s@08:00:email"}), `every "10s" must be a duration from 1m to 168h`},
		{"DigestAt", base(map[string]string{EnvDigest: "24h@8am:email"}), `at: "8am" is not a time of day`},
		{"DigestChannel", base(map[string]string{EnvDigest: "24h@08:00:browser"}), `channel "browser" is not one of`},
		{"Timezone", base(map[string]string{EnvTimezone: "Mars/Olympus"}), `DOCTALES_TIMEZONE="Mars/Olympus": unknown time zone`},
		{"TestNow", base(map[string]string{EnvTestNow: "tomorrow"}), `DOCTALES_TEST_NOW="tomorrow"`},
		{"NoTimersTable", map[string]string{EnvTopicARN: "a", EnvLedgerTable: "l", EnvDigest: "1h@00:00:sns"}, "need TIMERS_TABLE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadEnv("notification", env(tc.vars))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
