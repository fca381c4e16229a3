package sqlite_test

import (
	"testing"

	"github.com/doctales/doctales/internal/timertest"
	"github.com/doctales/doctales/notify"
)

// TestNotifyTimers_Contract runs the timer store contract shared with the
// DynamoDB adapter.
func TestNotifyTimers_Contract(t *testing.T) {
	timertest.Run(t, func(t *testing.T) notify.TimerStore { return MustOpenDB(t) })
}
