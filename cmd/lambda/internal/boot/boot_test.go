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
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadEnv(tc.function, env(tc.vars))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
