package extract

import (
	"net"
	"sort"
	"strings"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract/internal/fastre"
	"github.com/nyaruka/phonenumbers"
)

// DefaultPhoneRegion is the region assumed for phone numbers written
// without a country code.
const DefaultPhoneRegion = "US"

// PII candidate patterns; each candidate is then checked (checksum,
// number plan, context) before it is reported.
var (
	reEmail     = fastre.MustCompile(`(?i)\b[a-z0-9][a-z0-9._%+-]{0,63}@(?:[a-z0-9-]{1,63}\.)+[a-z]{2,24}\b`)
	reURL       = fastre.MustCompile(`(?i)\b(?:https?://|ftp://|www\.)[^\s<>"'()\[\]{}]{2,1000}`)
	rePhone     = fastre.MustCompile(`(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){1,4}\b`)
	reCard      = fastre.MustCompile(`\b\d(?:[ -]?\d){12,18}\b`)
	reIBAN      = fastre.MustCompile(`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b`)
	reRouting   = fastre.MustCompile(`\b\d{9}\b`)
	reRoutingCx = fastre.MustCompile(`(?i)\b(routing|aba|rtn|transit|bank code)\b`)
	reSSN       = fastre.MustCompile(`\b\d{3}-\d{2}-\d{4}\b|\b\d{3} \d{2} \d{4}\b|\b\d{9}\b`)
	reSSNCx     = fastre.MustCompile(`(?i)\b(ssn|social security|soc\.? sec)`)
	reIPv4      = fastre.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
	reIPv6      = fastre.MustCompile(`(?i)\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}\b|::(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4}\b`)
	reMAC       = fastre.MustCompile(`(?i)\b(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2}\b`)
	reAWSKey    = fastre.MustCompile(`\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b`)
	reAWSSecret = fastre.MustCompile(`(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`)
	reSecretCx  = fastre.MustCompile(`(?i)(secret|aws_secret|secret_access_key|secretaccesskey)`)
	reAddress   = fastre.MustCompile(`\b\d{1,5}\s+(?:[A-Z][A-Za-z'.-]*\s+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Square|Sq|Parkway|Pkwy|Terrace|Highway|Hwy)\b\.?(?:,?\s+(?:Suite|Ste|Apt|Unit|#)\s*[\w-]+)?(?:,\s*[A-Z][A-Za-z .'-]{1,30})?(?:,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?)?`)
)

// FindPII returns the PII spans of text, checked (Luhn for cards, mod 97
// for IBANs, the ABA checksum for routing numbers, the number plan for
// phones), without overlaps, in text order. People (NAME) and addresses
// come from entities: pass the text's entities to have PERSON spans
// reported as NAME and LOCATION spans that look like addresses as ADDRESS.
// It is safe for concurrent use.
func FindPII(text string, entities []doctales.Entity) []doctales.PIIEntity {
	var out []doctales.PIIEntity
	add := func(typ string, score float64, b, e int) {
		out = append(out, doctales.PIIEntity{Type: typ, Score: score, BeginOffset: b, EndOffset: e})
	}
	// Each pattern below runs only when the text has what its finds
	// need, a cheap test made before the scan (not after it: the scan of
	// the whole text is what costs).
	if strings.Contains(text, "A") {
		for _, m := range reAWSKey.FindAllStringIndex(text, -1) {
			add(doctales.PIIAWSAccessKey, 0.99, m[0], m[1])
		}
	}
	hasDigit := strings.ContainsAny(text, "0123456789")
	lower := strings.ToLower(text)
	if strings.Contains(lower, "secret") {
		for _, m := range reAWSSecret.FindAllStringSubmatchIndex(text, -1) {
			if reSecretCx.MatchString(text[max(0, m[2]-60):m[2]]) {
				add(doctales.PIIAWSSecretKey, 0.9, m[2], m[3])
			}
		}
	}
	if strings.IndexByte(text, '@') >= 0 {
		for _, m := range reEmail.FindAllStringIndex(text, -1) {
			add(doctales.PIIEmail, 0.99, m[0], m[1])
		}
	}
	var urls [][]int
	if strings.Contains(lower, "http") || strings.Contains(lower, "www.") || strings.Contains(lower, "ftp:") {
		urls = reURL.FindAllStringIndex(text, -1)
	}
	for _, m := range urls {
		e := m[1]
		for e > m[0] && strings.ContainsRune(".,;:!?", rune(text[e-1])) {
			e--
		}
		add(doctales.PIIURL, 0.99, m[0], e)
	}
	if !hasDigit {
		return finishPII(out, entities)
	}
	// The number-shaped kinds only look at lines with three digits or more.
	lines := digitLines(text, 3)
	for _, m := range findInLines(reIBAN, text, lines) {
		if validIBAN(text[m[0]:m[1]]) {
			add(doctales.PIIIBAN, 0.99, m[0], m[1])
		}
	}
	for _, m := range findInLines(reCard, text, lines) {
		if d := digitsOf(text[m[0]:m[1]]); luhn(d) && cardPrefix(d) {
			add(doctales.PIICreditDebitNumber, 0.95, m[0], m[1])
		}
	}
	for _, m := range findInLines(reSSN, text, lines) {
		s := text[m[0]:m[1]]
		cx := reSSNCx.MatchString(text[max(0, m[0]-40):m[0]])
		if validSSN(digitsOf(s)) && (strings.Contains(s, "-") || cx) {
			score := 0.8
			if cx {
				score = 0.98
			}
			add(doctales.PIISSN, score, m[0], m[1])
		}
	}
	for _, m := range findInLines(reRouting, text, lines) {
		if validABA(text[m[0]:m[1]]) && reRoutingCx.MatchString(text[max(0, m[0]-40):m[0]]) {
			add(doctales.PIIBankRouting, 0.95, m[0], m[1])
		}
	}
	for _, m := range findInLines(reMAC, text, lines) {
		add(doctales.PIIMACAddress, 0.95, m[0], m[1])
	}
	for _, m := range findInLines(reIPv4, text, lines) {
		if ip := net.ParseIP(text[m[0]:m[1]]); ip != nil {
			add(doctales.PIIIPAddress, 0.9, m[0], m[1])
		}
	}
	for _, m := range findInLines(reIPv6, text, lines) {
		if s := text[m[0]:m[1]]; strings.Count(s, ":") >= 2 && net.ParseIP(s) != nil && !reMAC.MatchString(s) && !isClockTime(s) {
			add(doctales.PIIIPAddress, 0.9, m[0], m[1])
		}
	}
	for _, m := range findInLines(rePhone, text, lines) {
		if validPhone(text, m[0], m[1]) {
			add(doctales.PIIPhone, 0.9, m[0], m[1])
		}
	}
	for _, m := range findInLines(reAddress, text, lines) {
		add(doctales.PIIAddress, 0.8, m[0], m[1])
	}
	return finishPII(out, entities)
}

// finishPII adds the people among the entities as NAME and drops overlaps.
func finishPII(out []doctales.PIIEntity, entities []doctales.Entity) []doctales.PIIEntity {
	for _, en := range entities {
		if en.Source != "" && en.Source != doctales.SourceContent {
			continue
		}
		switch en.Type {
		case doctales.EntityPerson:
			out = append(out, doctales.PIIEntity{Type: doctales.PIIName, Score: round3(en.Score * 0.95), BeginOffset: en.BeginOffset, EndOffset: en.EndOffset})
		}
	}
	return dropOverlaps(out)
}

// dropOverlaps keeps, of overlapping spans, the one found first (the
// order of FindPII is its priority), and sorts the rest by offset.
func dropOverlaps(ps []doctales.PIIEntity) []doctales.PIIEntity {
	var kept []doctales.PIIEntity
next:
	for _, p := range ps {
		for _, k := range kept {
			if p.BeginOffset < k.EndOffset && k.BeginOffset < p.EndOffset {
				continue next
			}
		}
		kept = append(kept, p)
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].BeginOffset < kept[j].BeginOffset })
	if kept == nil {
		kept = []doctales.PIIEntity{}
	}
	return kept
}

// Redact returns text with every PII span replaced by its type in
// brackets, such as "[EMAIL]". Spans that fall outside text, do not sit
// on UTF-8 boundaries or overlap an earlier span are skipped. Pass the
// spans found in this text only (Source "" or "content" for the content).
func Redact(text string, pii []doctales.PIIEntity) string {
	ps := append([]doctales.PIIEntity(nil), pii...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].BeginOffset < ps[j].BeginOffset })
	var b strings.Builder
	last := 0
	for _, p := range ps {
		if p.BeginOffset < last || p.EndOffset > len(text) || p.BeginOffset >= p.EndOffset ||
			!boundary(text, p.BeginOffset) || !boundary(text, p.EndOffset) {
			continue
		}
		b.WriteString(text[last:p.BeginOffset])
		b.WriteString("[" + p.Type + "]")
		last = p.EndOffset
	}
	b.WriteString(text[last:])
	return b.String()
}

func boundary(s string, i int) bool {
	return i == 0 || i == len(s) || i > 0 && i < len(s) && (s[i]&0xC0) != 0x80
}

func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// luhn reports whether the digit string passes the Luhn checksum.
func luhn(d string) bool {
	if len(d) < 12 {
		return false
	}
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if (len(d)-1-i)%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// cardPrefix reports whether d starts like a card of a major network with
// its length.
func cardPrefix(d string) bool {
	n := len(d)
	switch {
	case d[0] == '4':
		return n == 13 || n == 16 || n == 19
	case d[:2] >= "51" && d[:2] <= "55", d[:4] >= "2221" && d[:4] <= "2720":
		return n == 16
	case d[:2] == "34" || d[:2] == "37":
		return n == 15
	case d[:4] == "6011" || d[:2] == "65" || d[:3] >= "644" && d[:3] <= "649":
		return n >= 16
	case d[:2] == "35":
		return n >= 16
	case d[:2] == "36" || d[:2] == "38" || d[:3] >= "300" && d[:3] <= "305":
		return n >= 14
	case d[:2] == "62":
		return n >= 16
	}
	return false
}

// validIBAN checks an IBAN's length and mod-97 checksum.
func validIBAN(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	if n, ok := ibanLengths[s[:2]]; ok && n != len(s) {
		return false
	}
	r := s[4:] + s[:4]
	mod := 0
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c >= '0' && c <= '9':
			mod = (mod*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			v := int(c-'A') + 10
			mod = (mod*100 + v) % 97
		default:
			return false
		}
	}
	return mod == 1
}

// ibanLengths are the IBAN lengths of common countries.
var ibanLengths = map[string]int{
	"AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "ES": 24, "FI": 18, "FR": 27,
	"GB": 22, "GR": 27, "IE": 22, "IT": 27, "LU": 20, "NL": 18, "NO": 15, "PL": 28, "PT": 25,
	"SE": 24, "SK": 24, "SI": 19, "HU": 28, "RO": 24, "BG": 22, "HR": 21, "TR": 26, "SA": 24,
	"AE": 23, "IL": 23, "LI": 21, "MC": 27, "EE": 20, "LT": 20, "LV": 21, "CY": 28, "MT": 31,
}

// validABA checks a 9-digit ABA routing number: its Federal Reserve prefix
// and the 3-7-1 checksum.
func validABA(d string) bool {
	if len(d) != 9 {
		return false
	}
	p := d[:2]
	if !(p <= "12" || p >= "21" && p <= "32" || p >= "61" && p <= "72" || p == "80") {
		return false
	}
	w := [3]int{3, 7, 1}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(d[i]-'0') * w[i%3]
	}
	return sum%10 == 0
}

// validSSN rejects numbers the SSA never issues.
func validSSN(d string) bool {
	if len(d) != 9 {
		return false
	}
	area, group, serial := d[:3], d[3:5], d[5:]
	return area != "000" && area != "666" && area[0] != '9' && group != "00" && serial != "0000"
}

func isClockTime(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] == ':') {
			return false
		}
	}
	return true
}

// validPhone checks a phone candidate with the number plan: a valid
// number for its country (from "+CC") or for DefaultPhoneRegion. Dates,
// times and plain runs of digits without separators are not phones.
func validPhone(text string, b, e int) bool {
	s := text[b:e]
	d := digitsOf(s)
	if len(d) < 7 || len(d) > 15 {
		return false
	}
	// A date such as 2025-06-10 or 10.06.2025 is not a phone number.
	if dateLike.MatchString(s) {
		return false
	}
	// Skip digits glued to letters or other digits: part of an id.
	if b > 0 && (isASCIILetter(text[b-1]) || text[b-1] == '/' || text[b-1] == '=') {
		return false
	}
	if !strings.HasPrefix(s, "+") && !strings.ContainsAny(s, " .-()") && !phoneCue.MatchString(text[max(0, b-20):b]) {
		return false
	}
	num, err := phonenumbers.Parse(s, DefaultPhoneRegion)
	if err != nil {
		return false
	}
	return phonenumbers.IsValidNumber(num)
}

var (
	dateLike = fastre.MustCompile(`^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$`)
	phoneCue = fastre.MustCompile(`(?i)(tel|phone|mobile|cell|fax|call|ph)[.:]?\s*$`)
)

// digitLines returns the [start, end) offsets of the lines of text that
// hold at least n ASCII digits.
func digitLines(text string, n int) [][2]int {
	var out [][2]int
	start, digits := 0, 0
	for i := 0; i <= len(text); i++ {
		if i == len(text) || text[i] == '\n' {
			if digits >= n {
				out = append(out, [2]int{start, i})
			}
			start, digits = i+1, 0
			continue
		}
		if text[i] >= '0' && text[i] <= '9' {
			digits++
		}
	}
	return out
}

// findInLines runs re over the given lines of text and returns the
// matches as offsets into text.
func findInLines(re *fastre.Regexp, text string, lines [][2]int) [][]int {
	var out [][]int
	for _, l := range lines {
		for _, m := range re.FindAllStringIndex(text[l[0]:l[1]], -1) {
			out = append(out, []int{l[0] + m[0], l[0] + m[1]})
		}
	}
	return out
}

// RedactLog returns text, a short line bound for a log such as a
// notification subject, with its PII (see [FindPII]) and the people the
// entity finder names in it replaced by their type: "[CREDIT_DEBIT_NUMBER]",
// "[NAME]". Run it on the whole text before cutting it to length, or a cut
// card number or address no longer looks like one (issue 10). It tags the
// text's words, about 25 µs a word, so it is meant for lines, not bodies.
// It is safe for concurrent use.
func RedactLog(text string) string {
	text = sanitize(text)
	entities := findEntities(entityInput{
		text: text, replyFrom: len(text), toks: tagged(cut(text, maxTagBytes)),
		maxNER: DefaultMaxNERTokens,
	})
	return Redact(text, FindPII(text, entities))
}
