package doctales_test

import (
	"strings"
	"testing"

	"github.com/doctales/doctales"
)

func TestValidateID(t *testing.T) {
	for _, id := range []string{"c-1", "msg_2@example.com", "a:b.c", strings.Repeat("x", doctales.MaxIDBytes)} {
		if err := doctales.ValidateID("id", id); err != nil {
			t.Errorf("ValidateID(%q) = %v", id, err)
		}
	}
	for id, code := range map[string]string{
		"":        doctales.EINVALID,
		"../etc":  doctales.EINVALID,
		"a/b":     doctales.EINVALID,
		"a\x00b":  doctales.EINVALID,
		".hidden": doctales.EINVALID,
		"a..b":    doctales.EINVALID,
		"a b":     doctales.EINVALID,
		"café":    doctales.EINVALID,
		strings.Repeat("x", doctales.MaxIDBytes+1): doctales.ETOOLARGE,
	} {
		err := doctales.ValidateID("userId", id)
		if doctales.ErrorCode(err) != code || doctales.ErrorField(err) != "userId" {
			t.Errorf("ValidateID(%.20q) = %v; want %s on field userId", id, err, code)
		}
	}
}

// TestPageLimit: the one rule every table adapter applies to a list's
// limit.
func TestPageLimit(t *testing.T) {
	for _, tc := range []struct{ in, want int }{{0, doctales.DefaultPageSize}, {1, 1}, {doctales.MaxPageSize, doctales.MaxPageSize}, {doctales.MaxPageSize + 1, doctales.MaxPageSize}} {
		if got, err := doctales.PageLimit(tc.in); err != nil || got != tc.want {
			t.Errorf("PageLimit(%d) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	if _, err := doctales.PageLimit(-1); doctales.ErrorCode(err) != doctales.EINVALID || !strings.Contains(err.Error(), "limit") {
		t.Errorf("PageLimit(-1) error = %v, want EINVALID naming limit", err)
	}
}
