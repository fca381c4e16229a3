//go:build !unix

package diskspace

import "errors"

// Free is not implemented on this system; callers then report no number.
func Free(path string) (int64, error) {
	return 0, errors.New("free space: not supported on this system")
}
