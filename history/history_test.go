package history_test

import (
	"encoding/json"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/history"
)

func TestDescribe(t *testing.T) {
	msg, _ := json.Marshal(doctales.Message{MessageID: "m-1", Subject: "High Priority: x",
		MessageAttributes: map[string]doctales.MessageAttribute{"communicationId": {DataType: "String", StringValue: "c-9"}}})
	for _, tt := range []struct {
		rec  doctales.LogRecord
		want history.Info
	}{
		{doctales.LogRecord{Source: doctales.SourceS3, Key: "email/2025/06/10/email-123.json",
			Data: json.RawMessage(`{"eventVersion":"2.1","eventName":"ObjectCreated:Put"}`)},
			history.Info{CommunicationID: "email-123", Event: "ObjectCreated:Put", FilterFacts: "event was ObjectCreated:Put"}},
		{doctales.LogRecord{Source: doctales.SourceDynamoDB, Key: "c-1",
			Data: json.RawMessage(`{"eventName":"MODIFY","dynamodb":{"NewImage":{"status":{"S":"extracted"},"metadata":{"M":{"urgency":{"S":"medium"}}}}}}`)},
			history.Info{CommunicationID: "c-1", Event: "MODIFY", FilterFacts: "urgency was medium (status extracted)"}},
		{doctales.LogRecord{Source: doctales.SourceDynamoDB, Key: "c-2",
			Data: json.RawMessage(`{"eventName":"INSERT","dynamodb":{"NewImage":{"metadata":{"M":{}}}}}`)},
			history.Info{CommunicationID: "c-2", Event: "INSERT", FilterFacts: "urgency was absent"}},
		{doctales.LogRecord{Source: doctales.SourceSNS, Key: "m-1", Data: msg},
			history.Info{CommunicationID: "c-9", Event: "Notification m-1", FilterFacts: "subject was High Priority: x"}},
		// An escaped event name is not guessed at.
		{doctales.LogRecord{Source: doctales.SourceS3, Key: "a/b.json", Data: json.RawMessage(`{"eventName":"Object\"Created"}`)},
			history.Info{CommunicationID: "b", Event: "", FilterFacts: "event was "}},
	} {
		if got := history.Describe(&tt.rec); got != tt.want {
			t.Errorf("Describe(%s) = %+v, want %+v", tt.rec.Data, got, tt.want)
		}
	}
}
