package extract_test

import (
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
)

func TestFindPII(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		want       []string // "TYPE=text"
	}{
		{"Email", "Write to jane.doe@example.co.uk today.", []string{"EMAIL=jane.doe@example.co.uk"}},
		{"URL", "See https://example.com/a?b=1, then reply.", []string{"URL=https://example.com/a?b=1"}},
		{"PhoneUS", "Call me at (650) 253-0000 after lunch.", []string{"PHONE=(650) 253-0000"}},
		{"PhoneIntl", "Office: +44 20 7946 0958.", []string{"PHONE=+44 20 7946 0958"}},
		{"NotPhoneDate", "We met on 2025-06-10 at noon.", nil},
		{"Card", "Card 4111 1111 1111 1111 exp 12/27", []string{"CREDIT_DEBIT_NUMBER=4111 1111 1111 1111"}},
		{"CardBadLuhn", "Card 4111 1111 1111 1112", nil},
		{"IBAN", "IBAN: GB82 WEST 1234 5698 7654 32.", []string{"INTERNATIONAL_BANK_ACCOUNT_NUMBER=GB82 WEST 1234 5698 7654 32"}},
		{"IBANBadChecksum", "IBAN: GB83 WEST 1234 5698 7654 32.", nil},
		{"Routing", "ABA routing number 021000021, account 12345.", []string{"BANK_ROUTING=021000021"}},
		{"RoutingNoContext", "Order 021000021 shipped.", nil},
		{"SSN", "My SSN is 123-45-6789.", []string{"SSN=123-45-6789"}},
		{"SSNInvalidArea", "Ref 666-45-6789.", nil},
		{"IPv4", "Server 192.168.1.10 is down.", []string{"IP_ADDRESS=192.168.1.10"}},
		{"NotIPv4", "Version 1.2.3.400 is out.", nil},
		{"MAC", "MAC 00:1A:2B:3C:4D:5E here", []string{"MAC_ADDRESS=00:1A:2B:3C:4D:5E"}},
		{"AWS", "key AKIAIOSFODNN7EXAMPLE secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", []string{"AWS_ACCESS_KEY=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}},
		{"Address", "Ship it to 1600 Amphitheatre Parkway, Mountain View, CA 94043 please.", []string{"ADDRESS=1600 Amphitheatre Parkway, Mountain View, CA 94043"}},
		{"Nothing", "Nothing to see here.", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := extract.FindPII(tt.text, nil)
			var gs []string
			for _, p := range got {
				gs = append(gs, p.Type+"="+tt.text[p.BeginOffset:p.EndOffset])
			}
			if len(gs) != len(tt.want) {
				t.Fatalf("got %q, want %q", gs, tt.want)
			}
			for i := range gs {
				if gs[i] != tt.want[i] {
					t.Errorf("got %q, want %q", gs[i], tt.want[i])
				}
			}
		})
	}
}

func TestRedact(t *testing.T) {
	text := "Mail jane@example.com or call (650) 253-0000."
	got := extract.Redact(text, extract.FindPII(text, nil))
	if want := "Mail [EMAIL] or call [PHONE]."; got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
	// Spans out of range or overlapping are skipped, not a panic.
	bad := []doctales.PIIEntity{{Type: "X", BeginOffset: 3, EndOffset: 999}, {Type: "Y", BeginOffset: 0, EndOffset: 2}, {Type: "Z", BeginOffset: 1, EndOffset: 3}}
	if got := extract.Redact("abcdef", bad); got != "[Y]cdef" {
		t.Errorf("Redact = %q", got)
	}
}
