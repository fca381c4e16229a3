package doctales_test

import (
	"strings"
	"testing"

	"github.com/doctales/doctales"
)

func TestRecordOwnerAndStripContent(t *testing.T) {
	stream := `{"eventName":"MODIFY","dynamodb":{"Keys":{"id":{"S":"x"}},"NewImage":{"id":{"S":"x"},"userId":{"S":"ana"},"subject":{"S":"Secret plan"}},"OldImage":{"userId":{"S":"ana"}},"StreamViewType":"NEW_AND_OLD_IMAGES"}}`
	sns := `{"MessageId":"m1","Subject":"Secret plan","Message":"Subject: Secret plan","MessageAttributes":{"userId":{"DataType":"String","StringValue":"ben"}}}`
	s3 := `{"s3":{"object":{"key":"users/carl/email/2025/06/10/x.json"}}}`
	for _, c := range []struct{ source, data, owner string }{
		{doctales.SourceDynamoDB, stream, "ana"},
		{doctales.SourceSNS, sns, "ben"},
		{doctales.SourceS3, s3, "carl"},
		{doctales.SourceS3, `{"s3":{"object":{"key":"email/2025/06/10/x.json"}}}`, doctales.DefaultUserID},
		{doctales.SourceDynamoDB, `not json`, doctales.DefaultUserID},
	} {
		if got := doctales.RecordOwner(c.source, []byte(c.data)); got != c.owner {
			t.Errorf("RecordOwner(%s, %s) = %q, want %q", c.source, c.data, got, c.owner)
		}
	}
	for _, c := range []struct{ source, data string }{{doctales.SourceDynamoDB, stream}, {doctales.SourceSNS, sns}} {
		out, changed, err := doctales.StripContent(c.source, []byte(c.data))
		if err != nil || !changed {
			t.Fatalf("StripContent(%s) = %v, %v", c.source, changed, err)
		}
		if strings.Contains(string(out), "Secret plan") {
			t.Errorf("StripContent(%s) kept the subject: %s", c.source, out)
		}
		if c.source == doctales.SourceDynamoDB && (!strings.Contains(string(out), `"Keys"`) || !strings.Contains(string(out), `"KEYS_ONLY"`)) {
			t.Errorf("stripped stream record lost its keys or view type: %s", out)
		}
		if c.source == doctales.SourceSNS && !strings.Contains(string(out), `"MessageId":"m1"`) {
			t.Errorf("stripped message lost its id: %s", out)
		}
		again, changed, err := doctales.StripContent(c.source, out)
		if err != nil || changed || string(again) != string(out) {
			t.Errorf("stripping twice changed it again: %v %v", changed, err)
		}
	}
	if _, changed, _ := doctales.StripContent(doctales.SourceS3, []byte(s3)); changed {
		t.Error("an S3 event was changed")
	}
}
