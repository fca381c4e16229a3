package extract

import (
	"regexp"
	"strings"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract/internal/fastre"
)

// The signals below recognise phishing by what it has to do rather than by
// what it says: get the reader to a sign-in page it controls, or get money
// sent to an account it controls, while passing for someone the reader
// trusts. Each is weak alone (a bank writes "Dear customer", a supplier
// links to its payment page); phishing shows several at once. They were
// written from the common forms (lookalike domains, sign-in pages on
// another domain, payment redirection, fake voicemail and shared
// documents, gift cards asked by a colleague's name on free mail) and are
// checked by TestEngine_Phishing, which also holds the legitimate mail
// that looks most like them.

// lureAsk (on lower-cased text) matches what a phishing mail asks the
// reader to do on its page: sign in, verify a mailbox, open a shared
// document or a voicemail, pay a fee.
var lureAsk = fastre.MustCompile(`\b((sign|log) ?(in|on) (with|to|using)|enter your (e-?mail|password|credentials|login)|(verify|validate|confirm|re-?activate|upgrade) your (e-?mail|mailbox|account|identity|password|login)|listen to (your|the) (new )?(message|voice ?mail|voice message)|play (it|the message|your message)|(view|open|access|review) the (shared )?(document|file)|to (view|open|access) (the|this|your) (document|file|message|voice ?mail)|secure message|unlock your|restore (full )?access|pay the (fee|customs|duty|outstanding)|card details|inicie sesi[óo]n|confirme sus datos|connectez-vous|identifiez-vous|(melden sie sich|anmelden)|accedi (al|con)|fa[çc]a (o )?login|log (in|on) (op|bij))`)

// paymentRedirect (on lower-cased text) matches a request to pay into new
// bank details: the form business e-mail compromise takes.
var paymentRedirect = fastre.MustCompile(`\b(changed (our |my )?banks?|(bank|banking|account|payment) (details|information|info) (have|has) (been )?(changed|updated)|(our|my) new (bank|banking|account) (details|account|information)|new (bank|banking) (details|account|information)|(to|into) (our|my|the) new (bank )?account|(update|change) (our|my|the) (bank|banking|account|payment) (details|information|account)|(update|change) my direct deposit|direct deposit (change|details|information|account|info)|payroll (account|bank|details))`)

// secrecyCue (on lower-cased text) matches how a fraudster keeps the
// reader from checking: unreachable, discreet, in a hurry.
var secrecyCue = fastre.MustCompile(`\b(are you (available|around|at your desk|free)|quick (favou?r|request|task)|keep (this|it) (between us|confidential|quiet|to yourself)|in (a )?meetings? (all day|now|right now)|can'?t (talk|take calls)|reply with the (card )?(codes?|numbers?)|scratch (off|the back))`)

// genericGreeting (on lower-cased text) matches the greeting of mail sent
// to an address list, not to a person the sender knows.
var genericGreeting = fastre.MustCompile(`\b(dear|hello|hi) (valued )?(customer|user|client|member|account ?holder|sir/madam|e-?mail user|webmail user|subscriber)\b|\b(estimado|querido) (cliente|usuario)\b|\bcher client\b|\bsehr geehrte[rs]? kund(e|in)\b|\b(gentile|caro) cliente\b|\bbeste klant\b`)

// threatCue (on lower-cased text) adds to accountThreat the clock phishing
// puts on it.
var threatCue = fastre.MustCompile(`\b(within (24|48|72) hours|(will|would) be (rejected|deleted|closed|deactivated|suspended|terminated|lost)|incoming (messages|mails?) (will|may) (be )?(rejected|bounce)|avoid (interruption|suspension|closure)|final warning)\b`)

// serviceClaim (on lower-cased display names and subjects) matches the
// services phishing poses as when it does not borrow a brand.
var serviceClaim = fastre.MustCompile(`\b(voice ?mail|voice message|e?-?fax|secure message|shared .{1,60} with you|mail(box)? (administrator|admin|quota|storage|server)|webmail|(it|technical) (support|help ?desk|service desk|department)|help ?desk|system administrator|administrator|security (team|department|center)|account (services|security|team)|e-?mail (support|team|admin))\b`)

// urlHost matches the host of a link in text.
var urlHost = regexp.MustCompile(`(?i)\b(?:https?://(?:[^@/\s"'<>]+@)?|www\.)([a-z0-9][a-z0-9.-]*\.[a-z]{2,})`)

// hostBrands are brand tokens looked for inside domain names: a domain
// that carries a brand without being the brand's ("wellsfarg0-online",
// "dhl-redeliver") is borrowing it.
var hostBrands = []string{"paypal", "amazon", "apple", "icloud", "microsoft", "office365", "outlook", "onedrive", "sharepoint", "google", "gmail", "netflix", "ebay", "dhl", "fedex", "usps", "wellsfargo", "chase", "citibank", "hsbc", "barclays", "bankofamerica", "docusign", "dropbox", "linkedin", "facebook", "instagram", "whatsapp", "coinbase", "santander", "bbva", "caixabank", "sparkasse", "commerzbank", "rabobank", "abnamro", "unicredit", "posteitaliane", "correos", "laposte", "hmrc", "irs"}

// deconfuse undoes the digit and letter swaps of lookalike domains
// ("micros0ft", "rnicrosoft", "paypa1") and drops the hyphens.
func deconfuse(s string) string {
	s = strings.NewReplacer("0", "o", "1", "l", "3", "e", "5", "s", "rn", "m", "vv", "w", "-", "").Replace(strings.ToLower(s))
	return s
}

// borrowedBrand returns the brand a registrable domain label carries
// without being it, "" when none: "wellsfarg0-online" → "wellsfargo".
func borrowedBrand(reg string) string {
	if reg == "" {
		return ""
	}
	plain := strings.ReplaceAll(strings.ToLower(reg), "-", "")
	d := deconfuse(reg)
	tokens := strings.Split(strings.ToLower(reg), "-")
	for _, b := range hostBrands {
		if plain == b || plain == b+"s" {
			return "" // the brand's own domain
		}
	}
	for _, b := range hostBrands {
		if d == b && plain != b { // a pure lookalike: paypa1, rnicrosoft
			return b
		}
		if len(b) >= 5 && strings.HasPrefix(d, b) {
			return b
		}
		for _, t := range tokens {
			if deconfuse(t) == b {
				return b
			}
		}
	}
	return ""
}

// lookalike reports whether two registrable labels differ but read the
// same: one letter off, or the same after the lookalike swaps
// ("fernhil-studio" and "fernhill-studio").
func lookalike(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if a == b || len(a) < 4 || len(b) < 4 {
		return false
	}
	if deconfuse(a) == deconfuse(b) {
		return true
	}
	limit := 1
	if len(a) >= 9 && len(b) >= 9 {
		limit = 2
	}
	return editDistance(a, b, limit) <= limit
}

// editDistance returns the Levenshtein distance of a and b, or limit+1
// when it is over limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// phishingSignals weighs the signals of a message that asks for money,
// credentials or a visit to a sign-in page, and returns why it looks like
// phishing ("" when fewer than three points add up) with the evidence.
// Strong signals (2 points): a lookalike of the recipients' domain, a
// borrowed brand in the sender's or a link's domain, a sign-in link on a
// third domain from an outsider, a colleague-style request for money from
// a free-mail address, a request to pay into new bank details from
// outside (3: enough alone). Weak ones (1): a generic greeting, a threat to the account, a
// clock, secrecy, a claimed service, urgency.
func phishingSignals(c *doctales.Communication, subject string, fresh []span, urgent bool) (string, []doctales.Evidence) {
	from := domainOf(c.SenderID)
	if from == "" {
		return "", nil
	}
	fromReg := registrable(from)
	recipients := append(append([]string{}, c.Recipients...), c.Cc...)
	rcptRegs := map[string]bool{}
	companyRecipient := false
	for _, r := range recipients {
		if d := domainOf(r); d != "" {
			rcptRegs[registrable(d)] = true
			if !freeMail.MatchString(registrable(d)) {
				companyRecipient = true
			}
		}
	}
	stranger := len(rcptRegs) > 0 && !rcptRegs[fromReg]
	if !stranger {
		return "", nil // a colleague's address: compromised accounts are out of reach here
	}
	lsubj := lowerASCII(subject)
	var text strings.Builder
	text.WriteString(lsubj)
	for _, f := range fresh {
		text.WriteString("\n")
		text.WriteString(lowerASCII(f.text))
	}
	all := text.String()
	money := moneyOrCredentials.MatchString(all)
	lure := lureAsk.MatchString(all)
	redirect := paymentRedirect.MatchString(all)
	if !money && !lure && !redirect {
		return "", nil
	}
	score := 0
	var why []string
	var ev []doctales.Evidence
	add := func(points int, reason string) {
		score += points
		why = append(why, reason)
	}
	for reg := range rcptRegs {
		if lookalike(fromReg, reg) {
			add(2, "the sender's domain "+from+" imitates the recipients' ("+reg+")")
			ev = append(ev, doctales.Evidence{Rule: "lookalike domain", Text: c.SenderID, Source: doctales.SourceSender, End: len(c.SenderID)})
			break
		}
	}
	if b := borrowedBrand(fromReg); b != "" {
		add(2, "the sender's domain "+from+" borrows the name "+b)
		ev = append(ev, doctales.Evidence{Rule: "brand in a foreign domain", Text: c.SenderID, Source: doctales.SourceSender, End: len(c.SenderID)})
	}
	// Links in the sender's own words.
	linkBrand, thirdParty := "", ""
	for _, f := range fresh {
		for _, m := range urlHost.FindAllStringSubmatchIndex(f.text, -1) {
			host := strings.ToLower(f.text[m[2]:m[3]])
			reg := registrable(host)
			if linkBrand == "" && reg != fromReg {
				if b := borrowedBrand(reg); b != "" {
					linkBrand = b
					ev = append(ev, doctales.Evidence{Rule: "brand in a link's domain", Text: f.text[m[0]:m[3]], Source: doctales.SourceContent, Start: f.start + m[0], End: f.start + m[3]})
				}
			}
			if thirdParty == "" && reg != fromReg && !rcptRegs[reg] {
				thirdParty = host
			}
		}
	}
	if linkBrand != "" {
		add(2, "a link borrows the name "+linkBrand)
	}
	if lure && thirdParty != "" {
		add(2, "it asks to sign in or open something at "+thirdParty+", neither the sender's domain nor the recipients'")
	}
	if freeMail.MatchString(fromReg) && companyRecipient && (money || redirect) {
		add(2, "a request for money or bank details from a free-mail address ("+c.SenderID+") to a company address")
	}
	if redirect { // enough alone: every bank says to check such a request by phone
		add(3, "it asks to pay into new bank details, from outside the recipients' organisation")
	}
	if genericGreeting.MatchString(all) {
		add(1, "a generic greeting")
	}
	if accountThreat.MatchString(all) || threatCue.MatchString(all) {
		add(1, "a threat to the account or a clock")
	}
	if secrecyCue.MatchString(all) {
		add(1, "it asks for discretion or says the sender cannot be reached")
	}
	if serviceClaim.MatchString(lowerASCII(c.Sender)) || serviceClaim.MatchString(lsubj) {
		add(1, "it poses as a service ("+cutRunes(c.Sender, 40)+")")
	}
	if urgent {
		add(1, "it is urgent")
	}
	if score < 3 {
		return "", nil
	}
	return "looks like phishing: " + strings.Join(why, "; "), ev
}
