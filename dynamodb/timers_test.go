package dynamodb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	dtddb "github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/internal/timertest"
	"github.com/doctales/doctales/notify"
)

// MustOpenTimers returns a new, empty timers table on the test server.
func MustOpenTimers(tb testing.TB) *dtddb.Timers {
	tb.Helper()
	s := dtddb.NewTimers(MustClient(tb), fmt.Sprintf("doctales-timers-test-%d", time.Now().UnixNano()))
	if err := s.CreateTable(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestTimers runs the timer store contract on DynamoDB (the emulator).
func TestTimers(t *testing.T) {
	timertest.Run(t, func(t *testing.T) notify.TimerStore { return MustOpenTimers(t) })
}
