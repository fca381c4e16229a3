package boot

import (
	"strings"
	"testing"
	"time"
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
