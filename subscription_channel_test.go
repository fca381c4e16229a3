package doctales_test

import (
	"testing"

	"github.com/doctales/doctales"
)

func TestSubscriptionChannel(t *testing.T) {
	for sub, want := range map[string]string{
		"topic/email-2": "email", "topic/email": "email", "topic/webhook-12": "webhook", "topic/log": "log",
		"topic/log-3": "log", "topic/sns-1": "sns", "dashboard/live": "browser",
		"extraction": "", "notification": "", "topic/emailx-1": "", "topic/email-": "", "topic/email-1a": "",
		"topic/browser": "", "topic/pager-1": "", "email": "",
	} {
		if got := doctales.SubscriptionChannel(sub); got != want {
			t.Errorf("SubscriptionChannel(%q) = %q, want %q", sub, got, want)
		}
	}
}
