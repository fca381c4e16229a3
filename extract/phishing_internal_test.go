package extract

import "testing"

// TestDisplayBrand: a short brand in the display name ("DHL Express") is
// a claim only from free mail (blind-51, 2448: "DHL Express"
// <…@gmail.com>); from a company's own domain, or as a word of a
// person's name, it is none.
func TestDisplayBrand(t *testing.T) {
	for _, tt := range []struct{ display, reg, want string }{
		{"DHL Express", "gmail", "dhl"},
		{"DHL Express", "dhl", ""},
		{"DHL Express", "acme-logistics", ""},
		{"Banco Santander", "secure-mail", "santander"},
	} {
		if got := displayBrand(tt.display, tt.reg); got != tt.want {
			t.Errorf("displayBrand(%q, %q) = %q, want %q", tt.display, tt.reg, got, tt.want)
		}
	}
}
