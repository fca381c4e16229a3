package notify

import (
	"context"
	"time"

	"github.com/doctales/doctales"
)

// SetAfterPublish sets the hook f runs between publishing a message and
// marking it sent: the crash-injection point of the tests.
func SetAfterPublish(f *Function, h func(ctx context.Context, m *doctales.Message)) {
	f.afterPublish = h
}

// SetSleep replaces the wait between claims of a message in flight.
func SetSleep(f *Function, sleep func(ctx context.Context, d time.Duration) error) {
	f.sleep = sleep
}
