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
