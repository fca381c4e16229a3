package notify

import (
	"context"

	"github.com/doctales/doctales"
)

// SetAfterPublish sets the hook f runs between publishing a message and
// marking it sent: the crash-injection point of the tests.
func SetAfterPublish(f *Function, h func(ctx context.Context, m *doctales.Message)) {
	f.afterPublish = h
}
