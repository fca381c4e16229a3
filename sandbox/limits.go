package sandbox

import (
	"fmt"
	"strconv"
	"strings"
)

// limits are what a worker applies to itself, passed in [WorkerEnv] as
// "mem=BYTES,stack=BYTES,frame=BYTES".
type limits struct {
	MemoryBytes   int64
	MaxStackBytes int64
	MaxFrameBytes int
}

func (l limits) env() string {
	return fmt.Sprintf("%s=mem=%d,stack=%d,frame=%d", WorkerEnv, l.MemoryBytes, l.MaxStackBytes, l.MaxFrameBytes)
}

func parseLimits(s string) (limits, error) {
	l := limits{MaxFrameBytes: DefaultMaxFrameBytes}
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return l, fmt.Errorf("sandbox: %s=%q: %w", k, v, err)
		}
		switch k {
		case "mem":
			l.MemoryBytes = n
		case "stack":
			l.MaxStackBytes = n
		case "frame":
			l.MaxFrameBytes = int(n)
		}
	}
	return l, nil
}
