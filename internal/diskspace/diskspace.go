// Package diskspace tells the adapters that write to local folders (sqlite,
// fsblob) whether a write failed because the file system is full, and how
// much space is left, so that "no space left" reaches clients and /readyz
// as doctales.ENOSPACE instead of an opaque internal error (issue 10).
package diskspace

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/doctales/doctales"
)

// IsNoSpace reports whether err is, or wraps, ENOSPC (no space left on
// device) or EDQUOT (disk quota exceeded).
func IsNoSpace(err error) bool {
	return err != nil && (errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT))
}

// Error returns the ENOSPACE error for a write into dir that found no space,
// wrapping cause. Its message names the folder and the bytes free now (or
// says they could not be read), so an operator knows where to free space.
func Error(dir string, cause error) error {
	msg := fmt.Sprintf("The data folder %s has no space left: ", dir)
	if free, err := Free(dir); err == nil {
		msg += fmt.Sprintf("%d bytes free; free space and retry.", free)
	} else {
		msg += "free space and retry."
	}
	return fmt.Errorf("%w: %w", doctales.Errorf(doctales.ENOSPACE, "%s", msg), cause)
}
