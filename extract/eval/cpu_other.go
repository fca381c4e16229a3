//go:build !unix

package eval

import "time"

// cpuTime returns 0 where getrusage does not exist (Windows): the speed
// table's CPU-second row then says nothing, the wall-clock row still holds.
func cpuTime() time.Duration { return 0 }
