package extract

import (
	"slices"
	"strings"
	"unicode"

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
var lureAsk = fastre.MustCompile(`\b((sign|log) ?(in|on) (with|to|using)|enter your (e-?mail|password|credentials|login)|(verify|validate|confirm|re-?activate|upgrade) your (e-?mail|mailbox|account|identity|password|login)|listen to (your|the) (new )?(message|voice ?mail|voice message)|play (it|the message|your message)|(view|open|access|review) the (shared )?(document|file)|to (view|open|access) (the|this|your) (document|file|message|voice ?mail)|secure message|unlock your|restore (full )?access|pay the (fee|customs|duty|outstanding)|card details|(work |normal |usual |corporate )*(e-?mail|username|user name) and password|inicie sesi[óo]n|confirme sus datos|(confirmar|verificar|actualizar) sus datos|desbloquear(la|lo)?|confirmer vos (informations|donn[ée]es|coordonn[ée]es)|ihre (daten|angaben|identit[äa]t) (zu )?best[äa]tigen|confermare i (tuoi|suoi) dati|confirmar os seus dados|uw gegevens (te )?bevestigen|verifique sus datos|verifica tus datos|clave de acceso|c[óo]digo que recibir[áa] por sms|v[ée]rifiez vos (informations|donn[ée]es|coordonn[ée]es)|berpr[üu]fen sie ihre (daten|angaben)|uberprufen sie ihre (daten|angaben)|verifica i tuoi dati|verifique os seus dados|confirm your (credentials|login details|account details)|connectez-vous|identifiez-vous|(melden sie sich|anmelden)|best[äa]tigen sie ihre (daten|identit[äa]t|zugangsdaten)|accedi (al|con)|conferma i tuoi dati|fa[çc]a (o )?login|confirme os seus dados|efetue o pagamento|realice el pago|effectuez le paiement|effettua il pagamento|log (in|on) (op|bij)|bevestig uw (gegevens|identiteit|account|rekening)|valid(e|ar) os (seus )?dados|valide sus datos|validez vos (donn[ée]es|informations)|validieren sie ihre (daten|angaben)|convalida i (tuoi|suoi) dati|valideer uw gegevens|paga (ora|subito|entro|qui)|pague (agora|aqui|em)|paga (ahora|aqu[íi])|bezahlen sie (jetzt|hier)|payez (maintenant|ici|les frais)|betaal (nu|hier)|pay (now|here|within)|(confirm|verify|update) your (bank|banking|card|payment) (details|information|account)|(uw|je) bankgegevens (te )?(bevestigen|controleren|bijwerken|invullen)|ihre (bankdaten|bankverbindung|kontodaten) (zu )?(best[äa]tigen|aktualisieren|[üu]berpr[üu]fen)|(confirmer|v[ée]rifier|mettre [àa] jour) vos coordonn[ée]es bancaires|(confirmar|verificar|actualizar) sus datos bancarios|(confermare|verificare|aggiornare) i (tuoi|suoi) dati bancari|(confirmar|verificar|atualizar) os (seus )?dados banc[áa]rios|confirm(e|ar|a) a sua identidade|c[óo]digo (de utilizador|multicanal|de acesso)|(confirme|confirmar|verifique|verificar) su identidad|confirmez votre identit[ée]|best[äa]tigen sie ihre identit[äa]t|conferm(a|i|are) la (tua|sua) identit[àa]|bevestig uw identiteit|atuali[sz](e|ar) (os )?(seus |teus )?dados|actualice (sus|tus) datos|mettez [àa] jour vos (donn[ée]es|informations)|aggiorn(a|i|are) i (tuoi|suoi) dati|aktualisieren sie ihre (daten|angaben)|werk (uw|je) gegevens bij|update your (details|information|account details)|if (this|it) (wasn['’]t|was not) you|si no (has|ha) sido t[úu]|si no fuiste t[úu]|si ce n['’][ée]tait pas vous|wenn sie (das|dies) nicht waren|wenn du (das|dies) nicht warst|se n[ãa]o foi voc[êe]|se n[ãa]o reconhece|se non sei stato tu|se non (è|e) stato lei|als (u|jij|je) dit niet was)`)

// loginURL matches the path of a link to a sign-in or payment page.
var loginURL = fastre.MustCompile(`(?i)https?://[^\s"'<>]+/[^\s"'<>]*(log-?in|sign-?in|signon|verify|verification|validate|confirm|bevestig|secure|account|password|auth|pay|pagamento|pago|paiement|zahlung|betal|unlock|desbloque|debloq|d%C3%A9bloq|entsperr|sblocc|ontgrendel|cancel|annul|stornier|bloque|sperr|blocc|blokk)`)

// paymentRedirect (on lower-cased text) matches a request to pay into new
// bank details: the form business e-mail compromise takes.
var paymentRedirect = fastre.MustCompile(`\b(changed (our |my )?banks?|(bank|banking|account|payment) (details|information|info) (have|has) (been )?(changed|updated)|(our|my) new (bank|banking|account) (details|account|information)|new (bank|banking) (details|account|information)|(to|into) (our|my|the) new (bank )?account|(update|change) (our|my|the) (bank|banking|account|payment) (details|information|account)|(update|change) my direct deposit|direct deposit (change|details|information|account|info)|payroll (account|bank|details)|(moved|switched|changed) (to )?(a )?new bank|(payment|transfer|it) to the (new )?account below|nieuwe (bank)?rekening|nieuw rekeningnummer|neue (bankverbindung|kontoverbindung|iban|kontonummer)|neues konto|bankverbindung (hat sich )?ge[äa]ndert|nouveau rib|nouveau compte|ancien rib|(notre|ma) banque a chang[ée]|changement de (rib|coordonn[ée]es bancaires)|nuevos datos bancarios|nueva cuenta|cambio de cuenta|nuova iban|nuovo conto|nuove coordinate bancarie|novos dados banc[áa]rios|nova conta)`)

// fraudMoney (on lower-cased text) matches the money talk of advance-fee,
// lottery and gift-card fraud, which no bill or service uses: a job's
// fee "refunded with your first salary" too (blind-117, 5088).
var fraudMoney = fastre.MustCompile(`\b(western union|moneygram|bitcoin|btc wallet|gift ?cards?|itunes cards?|(?:amazon|google play|itunes|apple|steam)[- ]?(?:gutscheine?|guthabenkarten?|tarjetas?|cartes?|buoni|vales?|cadeaubonnen|cadeaukaarten)|gutscheine? (?:à|a|zu|von|über) \d|tarjetas? (?:de )?regalo de \d|cartes? cadeaux? de \d|buoni regalo da \d|cart(?:ões|oes|ão|ao) presente de \d|cadeaubonnen van \d|beneficiary|inheritance|next[- ]of[- ]kin|(million|m) (us )?(dollars|usd)|usd ?\d+(\.\d+)? ?m(illion)?|\d+(\.\d+)? ?million|claim (your|the) (prize|funds|winnings|reward)|lottery|transfer (of )?(the )?funds|urgent (business|assistance)|(foreign|overseas|offshore) (account|partner)|bank draft|atm card|(diplomatic |security )?consignment (box|of (funds|money|cash|gold))|diplomatic|barrister|deceased|dormant account|compensation funds?|(seed|recovery) phrase|wallet (phrase|words)|refund(ed|able)? (with|in|on|from) (your|the) first (salary|pay|payslip|wage|pay ?check))\b`)

// detailsInvalid (on lower-cased text) matches bank details said to be
// out of date; kept apart from paymentRedirect, whose literal gate its
// counted gap would turn off.
var detailsInvalid = lazyRE(`\b(account|bank|banking) details [^.]{0,60}(no longer valid|have changed|are outdated|are not valid)`)

// secrecyCue (on lower-cased text) matches how a fraudster keeps the
// reader from checking: unreachable, discreet, in a hurry.
var secrecyCue = fastre.MustCompile(`\b(geheimhouding|behalte (?:das|es) (?:bitte )?(?:erst ?mal |vorerst |noch )?f[üu]r dich|garde[sz]?[- ]le pour (?:toi|vous)|gu[áa]rdatelo para ti|tienilo per te|guarda isso (?:s[óo] )?para (?:ti|voc[êe])|hou het (?:even )?voor je(?:zelf)?|houd dit (even )?voor je(zelf)?|streng vertraulich|kann (gerade )?nicht telefonieren|sprechen sie mit niemandem|strictement confidentiel|ne (peux|pourrai) pas (t[ée]l[ée]phoner|parler|r[ée]pondre au t[ée]l[ée]phone)|n'en parlez [àa] personne|estrictamente confidencial|no puedo (hablar|atender llamadas)|no lo comentes con nadie|strettamente riservat[oa]|non posso (parlare|rispondere al telefono)|non parlarne con nessuno|estritamente confidencial|n[ãa]o posso (falar|atender)|n[ãa]o comente com ningu[ée]m|strikt vertrouwelijk|kan (nu )?niet bellen|bespreek dit met niemand|are you (available|around|at your desk|free)|quick (favou?r|request|task)|keep (this|it) (between us|confidential|quiet|to yourself)|in (a )?meetings? (all day|now|right now)|can'?t (talk|take calls)|reply with the (card )?(codes?|numbers?)|scratch (off|the back)|(working|writing|e-?mailing) from my personal (e-?mail|address|account)|my (work )?(laptop|phone|computer) is (being )?(reimaged|repaired|broken|in repair)|within the next (hour|30 minutes))`)

// genericGreeting (on lower-cased text) matches the greeting of mail sent
// to an address list, not to a person the sender knows.
var genericGreeting = fastre.MustCompile(`\b(dear|hello|hi) (valued )?(customer|user|client|member|account ?holder|sir/madam|e-?mail user|webmail user|subscriber|employee|staff( member)?|team member|colleague)\b|\b(estimado|querido) (cliente|usuario)\b|\bcher client\b|\bsehr geehrte[rs]? kund(e|in)\b|\b(gentile|caro|cara|caro\(a\)) cliente\b|\b(beste|geachte) klant\b|\bestimad[oa]\(?a?\)? (cliente|usuario)\b`)

// threatCue (on lower-cased text) adds to accountThreat the clock phishing
// puts on it.
var threatCue = fastre.MustCompile(`\b(legal action|collection (fees|agency|agencies)|debt collect(ion|or)s?|within (\d{1,2}|24|48|72) hours|(will|would) be (rejected|deleted|closed|deactivated|suspended|terminated|lost)|incoming (messages|mails?) (will|may) (be )?(rejected|bounce)|avoid (interruption|suspension|closure)|final warning|(nas pr[óo]ximas|en las pr[óo]ximas|dans les|innerhalb von|innerhalb der n[äa]chsten|entro|binnen) (\d{1,2}|24|48|72) (horas|heures|stunden|ore|uur)|(ser[áa]|sar[àa]|wird|sera|wordt) (devolvida|devuelto|bloquead[ao]|bloccat[ao]|gesperrt|bloqu[ée]e?|geblokkeerd|retourn[ée]e?)|(pas|kaart|rekening|account|konto|karte|carte|tarjeta|cuenta|conta|carta) (wordt |is |wird |ist |sera |ser[áa] |sar[àa] )?(geblokkeerd|gesperrt|bloqu[ée]e|bloqueada|bloccata))`)

// serviceClaim (on lower-cased display names and subjects) matches the
// services phishing poses as when it does not borrow a brand.
var serviceClaim = fastre.MustCompile(`\b(voice ?mail|voice message|e?-?fax|secure message|shared .{1,60} with you|mail(box)? (administrator|admin|quota|storage|server)|webmail|(it|technical) (support|help ?desk|service desk|department)|help ?desk|system administrator|administrator|security (team|department|center)|account (services|security|team)|e-?mail (support|team|admin))\b`)

// urlHost matches the host of a link in text.
var urlHost = lazyRE(`(?i)\b(?:https?://(?:[^@/\s"'<>]+@)?|www\.)([a-z0-9][a-z0-9.-]*\.[a-z]{2,})`)

// hostBrands are brand tokens looked for inside domain names: a domain
// that carries a brand without being the brand's ("wellsfarg0-online",
// "dhl-redeliver") is borrowing it.
var hostBrands = []string{"paypal", "amazon", "apple", "icloud", "microsoft", "office365", "outlook", "onedrive", "sharepoint", "google", "gmail", "netflix", "ebay", "dhl", "fedex", "usps", "wellsfargo", "chase", "citibank", "hsbc", "barclays", "bankofamerica", "docusign", "dropbox", "linkedin", "facebook", "instagram", "whatsapp", "coinbase", "santander", "bbva", "caixabank", "sparkasse", "commerzbank", "rabobank", "abnamro", "unicredit", "posteitaliane", "correos", "laposte", "hmrc", "irs", "m365", "ing", "aeat", "correios", "postnl", "royalmail", "bpost", "evri", "dpd", "poste",
	// Tax offices and public services, the other brand phishing wears.
	"belastingdienst", "toeslagen", "digid", "finanzamt", "elster", "impots", "ameli", "agenziaentrate", "inps", "agenciatributaria", "segsocial", "portaldasfinancas", "receitafederal", "govuk", "dvla",
	"millennium", "millenniumbcp", "cgd", "novobanco", "bankinter", "sabadell", "intesasanpaolo", "bnpparibas", "creditagricole", "societegenerale", "deutschebank", "postbank", "itau", "bradesco", "nubank", "caixa",
	// Retail banks by their display names ("Banco do Brasil" reads as
	// bancodobrasil).
	"bancodobrasil", "bancosantander", "ibercaja", "unicaja", "kutxabank", "abanca", "bancobpm", "fineco", "ingdiba", "volksbank", "raiffeisen", "comdirect", "revolut", "triodos", "boursorama", "creditmutuel", "caisseepargne", "labanquepostale", "banquepopulaire", "santandertotta", "activobank", "montepio"}

// deconfuse undoes the digit and letter swaps of lookalike domains
// ("micros0ft", "rnicrosoft", "paypa1") and drops the hyphens.
func deconfuse(s string) string {
	s = strings.NewReplacer("0", "o", "1", "l", "3", "e", "5", "s", "rn", "m", "vv", "w", "-", "").Replace(strings.ToLower(s))
	return s
}

// sharesRegistrableDomain reports whether a recipient's address is of the
// registrable domain of from, suffix included ("x.acme.com" and
// "acme.com", not "acme.ru").
func sharesRegistrableDomain(from string, recipients []string) bool {
	want := registrableWithSuffix(from)
	for _, r := range recipients {
		if d := domainOf(r); d != "" && registrableWithSuffix(d) == want {
			return true
		}
	}
	return false
}

// registrableWithSuffix is registrable's label with the public suffix
// after it: "mail.acme.co.uk" → "acme.co.uk".
func registrableWithSuffix(domain string) string {
	domain = strings.ToLower(strings.Trim(domain, "."))
	reg := registrable(domain)
	parts := strings.Split(domain, ".")
	if i := slices.Index(parts, reg); i >= 0 {
		return strings.Join(parts[i:], ".")
	}
	return domain
}

// dressedSubdomain is dressedName for the labels of host before its
// registrable domain reg: "FCT - Bolsas" at fct-validacao.example-
// secure.com (blind-60, 2824).
func dressedSubdomain(display, host, reg string) string {
	labels := strings.Split(strings.ToLower(strings.Trim(host, ".")), ".")
	i := slices.Index(labels, reg)
	for _, l := range labels[:max(i, 0)] {
		if w := dressedName(display, l); w != "" {
			return w
		}
	}
	return ""
}

// forwardSubject is a forward's subject: "Fwd:", "FW:", "WG:", "TR:",
// "RV:", "I:", "Doorst:", "Enc:".
var forwardSubject = lazyRE(`(?i)^\s*(?:fwd?|wg|tr|rv|i|doorst|enc|reenv)\s*:`)

// subdomainBrand returns the brand that a sub-domain of host carries
// while the registrable domain reg is not the brand's ("sparkasse-
// kundenportal-verify" of sparkasse-kundenportal-verify.example.com),
// "" otherwise. A brand's own service sub-domain ("paypal.example.com"
// for example.com's PayPal shop) is rare enough to weigh as one signal.
func subdomainBrand(host, reg string) string {
	labels := strings.Split(strings.ToLower(strings.Trim(host, ".")), ".")
	i := slices.Index(labels, reg)
	if i <= 0 || borrowedBrand(reg) != "" {
		return ""
	}
	for _, l := range labels[:i] {
		if l == "www" || l == "mail" || l == "email" || l == "smtp" {
			continue
		}
		if b := borrowedBrand(l); b != "" && b != reg {
			return b
		}
		for _, b := range hostBrands {
			if l == b && len(b) >= 5 {
				return b
			}
		}
	}
	return ""
}

// regionalBank are the brands of banking groups whose member banks each
// have a domain of the brand and their region: sparkasse-nordhessen.de,
// volksbank-mittelhessen.de (blind-57, 2698, a real fraud alert, was
// flagged as phishing).
var regionalBank = map[string]bool{"sparkasse": true, "volksbank": true, "raiffeisen": true, "raiffeisenbank": true, "vrbank": true, "sparda": true}

// regionalTail reports whether the tokens after a regional bank's brand
// name only a place: letters, none of the words phishing dresses a name
// with ("sparkasse-kundenservice-de" is not a member bank).
func regionalTail(tokens []string) bool {
	for _, t := range tokens {
		if len(t) < 3 || serviceStem.MatchString(t) || strings.ContainsAny(t, "0123456789") || t == "online" || t == "kunden" || t == "banking" || t == "app" || t == "de" || t == "info" {
			return false
		}
	}
	return true
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
		if regionalBank[b] && len(tokens) > 1 && tokens[0] == b && regionalTail(tokens[1:]) {
			continue // "sparkasse-nordhessen": a member bank's own domain
		}
		if len(b) >= 5 && strings.HasPrefix(d, b) {
			return b
		}
		for _, t := range tokens {
			if t == b || deconfuse(t) == b { // ("m365" has digits of its own)
				return b
			}
		}
	}
	return ""
}

// displayBrand returns a brand of hostBrands (five letters or more, or
// three from free mail) that the display name carries as a word ("Banco
// Santander", "DHL Express" at gmail.com) while the sender's registrable
// domain reg does not, or "".
func displayBrand(display, reg string) string {
	words := strings.FieldsFunc(strings.ToLower(display), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	joined := strings.Join(words, "") // "Poste Italiane": posteitaliane
	plain := strings.ReplaceAll(strings.ToLower(reg), "-", "")
	// A short brand ("DHL", "UPS", "ING") is a word of many names; from
	// free mail ("DHL Express" <…@gmail.com>) no company writes.
	short := freeMail.MatchString(reg)
	for _, b := range hostBrands {
		if (len(b) >= 5 || short && len(b) >= 3) && (slices.Contains(words, b) || joined == b) && !strings.Contains(plain, b) {
			return b
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
	// (No recipients, "undisclosed-recipients:;", hides who it went to:
	// as much a stranger as any.)
	// A colleague's address: compromised accounts are out of reach here.
	// A free-mail domain is nobody's organisation: "DHL Express"
	// <…@gmail.com> writing to someone at gmail.com is no colleague. The
	// domain is compared with its suffix: acme.com's colleague is not
	// at acme.ru, a swap fraud uses (blind-58, 2740).
	if rcptRegs[fromReg] && !freeMail.MatchString(fromReg) && sharesRegistrableDomain(from, recipients) {
		return "", nil
	}
	lsubj := lowerASCII(subject)
	var text strings.Builder
	text.WriteString(lsubj)
	for _, f := range fresh {
		text.WriteString("\n")
		text.WriteString(lowerASCII(f.text))
	}
	// A forward is phishing's disguise too ("WG: Ihre pushTAN-
	// Registrierung läuft heute ab", the sign-in link in the forwarded
	// part, blind-58, 2740): what a forward carries is read for the
	// lure, though not for the reader's deadline.
	if forwardSubject.MatchString(subject) {
		text.WriteString("\n")
		text.WriteString(lowerASCII(cut(c.Content, 4096)))
	}
	// Line breaks inside a sentence split phrases ("sent to\nour new
	// account"): read the words with single spaces.
	all := strings.Join(strings.Fields(text.String()), " ")
	money := moneyOrCredentials.MatchString(all)
	htmlPage := htmlAttachment(c)
	lure := lureAsk.MatchString(all) || loginURL.MatchString(all) || htmlPage != ""
	redirect := paymentRedirect.MatchString(all) || strings.Contains(all, "details") && detailsInvalid.MatchString(all)
	mailboxPassword := mailboxPasswordAsk.MatchString(all) || passwordAndCode.MatchString(all)
	template := scamTemplate.MatchString(all)
	if !money && !lure && !redirect && !mailboxPassword && !template {
		return "", nil
	}
	// Domains the thread has shown: addresses in the body, quoted ones
	// included ("To: Mark <mark@ferrowind.example>" under a reply from
	// ferrowlnd.example).
	threadRegs := map[string]bool{}
	// The reader's own address in the quoted history ("Marco Bianchi
	// <marco@…> ha scritto:"): the reader has written to this sender
	// before, an acquaintance (spam's "sent to you@…" is no history).
	readerWrote := false
	quotedFrom := replyStart(c.Content)
	for _, m := range addressInText.FindAllStringSubmatchIndex(c.Content, 20) {
		threadRegs[registrable(strings.ToLower(c.Content[m[2]:m[3]]))] = true
		for _, r := range recipients {
			readerWrote = readerWrote || m[0] >= quotedFrom && strings.EqualFold(c.Content[m[0]:m[1]], r)
		}
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
	if !rcptRegs[fromReg] {
		for reg := range threadRegs {
			if lookalike(fromReg, reg) && !rcptRegs[reg] {
				add(2, "the sender's domain "+from+" imitates "+reg+", a domain of the thread")
				ev = append(ev, doctales.Evidence{Rule: "lookalike domain", Text: c.SenderID, Source: doctales.SourceSender, End: len(c.SenderID)})
				break
			}
		}
	}
	if w := dressedName(c.Sender, fromReg); w != "" || dressedSubdomain(c.Sender, from, fromReg) != "" {
		if w == "" {
			w = dressedSubdomain(c.Sender, from, fromReg)
		}
		add(2, "the sender's domain "+from+" dresses the name "+w+" up with other words")
		ev = append(ev, doctales.Evidence{Rule: "name in a dressed-up domain", Text: c.SenderID, Source: doctales.SourceSender, End: len(c.SenderID)})
	}
	if who := impersonated(c.Sender, rcptRegs); who != "" {
		add(2, "the display name claims "+who+" from an outside address ("+c.SenderID+")")
	}
	if b := borrowedBrand(fromReg); b != "" {
		add(2, "the sender's domain "+from+" borrows the name "+b)
		ev = append(ev, doctales.Evidence{Rule: "brand in a foreign domain", Text: c.SenderID, Source: doctales.SourceSender, End: len(c.SenderID)})
	} else if b := subdomainBrand(from, fromReg); b != "" {
		// "sparkasse-kundenportal-verify.example.com": a brand in the
		// sub-domain of someone else's domain (blind-58, 2740).
		add(2, "the sender's domain "+from+" borrows the name "+b+" in a sub-domain")
		ev = append(ev, doctales.Evidence{Rule: "brand in a sub-domain", Text: c.SenderID, Source: doctales.SourceSender, End: len(c.SenderID)})
	} else if b := displayBrand(c.Sender, fromReg); b != "" {
		add(2, "the display name claims "+b+" from a domain without it ("+from+")")
		ev = append(ev, doctales.Evidence{Rule: "brand in the display name", Text: c.Sender, Source: doctales.SourceSender, End: len(c.Sender)})
	}
	// Links in the sender's own words.
	linkBrand, thirdParty := "", ""
	for _, f := range fresh {
		for _, m := range urlHost.FindAllStringSubmatchIndex(f.text, -1) {
			host := strings.ToLower(f.text[m[2]:m[3]])
			reg := registrable(host)
			if linkBrand == "" {
				// "santander-es.seguridad-clientes-online.com": a brand
				// in a link's sub-domain of another registrable domain.
				b := ""
				if reg != fromReg {
					b = borrowedBrand(reg)
				}
				if i := strings.Index(host, "."+reg+"."); b == "" && i > 0 {
					b = borrowedBrand(strings.ReplaceAll(host[:i], ".", "-"))
				}
				if b != "" {
					linkBrand = b
					ev = append(ev, doctales.Evidence{Rule: "brand in a link's domain", Text: f.text[m[0]:m[3]], Source: doctales.SourceContent, Start: f.start + m[0], End: f.start + m[3]})
				}
			}
			if thirdParty == "" && reg != fromReg && !rcptRegs[reg] {
				thirdParty = host
				for r := range rcptRegs {
					if len(r) >= 4 && !freeMail.MatchString(r) && slices.Contains(strings.Split(reg, "-"), r) {
						linkBrand = r // "crestviewdental-payroll" for crestviewdental
						ev = append(ev, doctales.Evidence{Rule: "recipients' name in a link's domain", Text: f.text[m[0]:m[3]], Source: doctales.SourceContent, Start: f.start + m[0], End: f.start + m[3]})
					}
				}
			}
		}
	}
	if linkBrand != "" {
		add(2, "a link borrows the name "+linkBrand)
	}
	if htmlPage != "" { // a web page to open from a file: a sign-in or payment form off any domain
		add(2, "it attaches a web page ("+htmlPage+") to open")
	}
	if lure && thirdParty != "" {
		add(2, "it asks to sign in or open something at "+thirdParty+", neither the sender's domain nor the recipients'")
	}
	// A company's sender whose replies go to a free-mail address: no
	// bank or service answers from Gmail ("Banco do Brasil" at
	// bb-seguranca-app.top, Reply-To suporte.bb.cadastro@gmail.com;
	// blind-54, 2584).
	if replyTo := replyToAddress(c); replyTo != "" && !freeMail.MatchString(fromReg) {
		if rr := registrable(domainOf(replyTo)); rr != fromReg && freeMail.MatchString(rr) && !readerWrote {
			add(2, "replies go to a free-mail address ("+domainOf(replyTo)+") from "+from)
			ev = append(ev, headerEvidence("reply-to on free mail", "Reply-To", replyTo))
		}
	}
	if freeMail.MatchString(fromReg) && companyRecipient && (money || redirect) && !readerWrote {
		add(2, "a request for money or bank details from a free-mail address ("+c.SenderID+") to a company address")
	}
	// "Siemens Energy Careers" <…@gmail.com> asking a fee and bank
	// details: an organisation's department or company writing from free
	// mail, to whomever (blind-117, 5088 went to a gmail reader, which
	// the rule above does not cover).
	if freeMail.MatchString(fromReg) && !companyRecipient && (money || redirect || lure) && orgDisplayName.MatchString(c.Sender) && !readerWrote {
		add(2, "a free-mail address ("+c.SenderID+") writes as an organisation ("+cutRunes(c.Sender, 40)+")")
		ev = append(ev, doctales.Evidence{Rule: "organisation on free mail", Text: c.Sender, Source: doctales.SourceSender, End: len(c.Sender)})
	}
	// "The lottery grant's budget page", written back to the reader
	// under the reader's own quoted mail: an acquaintance's money talk.
	if fraudMoney.MatchString(all) && !readerWrote {
		add(2, "it speaks of money the way advance-fee and gift-card fraud does")
	}
	// "este é o meu email novo … consegues fazer-me uma transferência":
	// the relative or friend on a new address or number who needs money
	// at once (blind-117, 5090; free mail to free mail, so no company
	// rule above applies).
	if money && newAddressClaim.MatchString(all) && !readerWrote {
		add(2, "the sender says the address or number is new and asks for money")
	}
	// "bestätigen Sie bitte Ihre Identität mit der E-Mail-Adresse und
	// dem Passwort Ihres E-Mail-Kontos": no file share, bank or service
	// asks for the password of the reader's mailbox (blind-118, 5142, a
	// share notice on the sender's own domain), nor for a password with
	// the two-factor code in one breath (blind-120, 5212, a "Meta"
	// appeal).
	if mailboxPassword {
		add(3, "it asks for the password of the reader's e-mail account, or a password with its two-factor code")
	}
	// The domain-registration letter ("we received an application to
	// register your name as their Internet Keyword … please forward this
	// email to your CEO"), sent for twenty years to every small firm
	// (blind-119, 5157).
	if template {
		add(3, "it is the domain-registration scam's letter")
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

// orgDisplayName is a display name that names an organisation or one of
// its departments, not a person: "Siemens Energy Careers", "Acme Ltd",
// "Recursos Humanos", "Kundenservice".
var orgDisplayName = lazyRE(`(?i)\b(?:careers|recruit(?:ment|ing)|talent acquisition|human resources|hr (?:team|department)|payroll|customer (?:service|support|care)|support team|billing|accounts (?:team|department)|ltd|limited|inc|plc|llc|gmbh|ag|s\.?a\.?|s\.?l\.?|b\.?v\.?|s\.?r\.?l\.?|recursos humanos|selecci[óo]n de personal|ressources humaines|recrutement|personalabteilung|kundenservice|risorse umane|personeelszaken|werving|recrutamento)\b`)

// newAddressClaim is a sender saying the address or number is new, or
// that the old one is lost, in the languages the engine reads (on text
// lowered by lowerASCII).
var newAddressClaim = lazyRE(`\b(?:this is my new (?:e-?mail|email address|address|number|phone|account)|my new (?:e-?mail|number|phone) is|(?:lost|broke|dropped) my (?:old )?phone|(?:lost|no longer have) access to my (?:old )?(?:e-?mail|account)|este es mi (?:nuevo (?:correo|n[úu]mero|e-?mail)|correo nuevo|n[úu]mero nuevo)|(?:he )?perdido (?:el )?acceso a mi (?:correo|cuenta)|c['’]est mon nouveau (?:mail|e-?mail|num[ée]ro)|voici ma nouvelle adresse|das ist meine neue (?:e-?mail|nummer|adresse|handynummer)|questo [èe] il mio nuovo (?:indirizzo|numero|e-?mail)|dit is mijn nieuwe (?:e-?mail|nummer|adres)|(?:este|esse) [ée] o meu (?:e-?mail|n[úu]mero) novo|(?:este|esse) [ée] o meu novo (?:e-?mail|n[úu]mero)|fiquei sem acesso ao meu (?:e-?mail|email|correio)|perdi o acesso ao meu (?:e-?mail|email))`)

// mailboxPasswordAsk (on lowered text) is a request for the password of
// the reader's e-mail account, in the languages the engine reads.
var mailboxPasswordAsk = lazyRE(`\b(?:(?:e-?mail|mailbox|webmail) (?:account )?password|password (?:of|for) your (?:e-?mail|mailbox|webmail)(?: account)?|passwort (?:ihres|deines) (?:e-?mail-?kontos|e-?mail-?postfachs|postfachs)|e-?mail-?passwort|contrase[ñn]a de (?:tu|su) (?:correo|cuenta de correo|e-?mail)|mot de passe de (?:votre|ta) (?:messagerie|bo[îi]te (?:mail|e-?mail|aux lettres)|adresse e-?mail|compte e-?mail)|password (?:della|del) (?:tua|sua|vostra)? ?(?:e-?mail|casella(?: di posta)?|posta elettronica|account di posta)|wachtwoord van (?:je|uw) (?:e-?mail|mailbox)(?:account)?|senha do (?:seu|teu) (?:e-?mail|correio eletr[óo]nico))\b`)

// passwordAndCode (on lowered text) is a password and a two-factor
// code asked for in one sentence: "iniciar sessão com o seu e-mail e a
// palavra-passe do Facebook e indicar o código de autenticação de dois
// fatores". A service's advice ("change your password and turn on
// two-factor authentication") names no code.
var passwordAndCode = lazyRE(`\b(?:password|palavra-passe|senha|contrase[ñn]a|mot de passe|passwort|wachtwoord)\b[^.!?]{0,120}?\b(?:code|c[óo]digo|codice)\b[^.!?]{0,40}?(?:two-factor|two-step|2fa|dois fatores|doble factor|dos factores|deux facteurs|double authentification|zwei-?faktor|due fattori|twee-?factor|tweestaps)|\b(?:two-factor|two-step|2fa)\s+code\b[^.!?]{0,120}?\bpassword\b`)

// scamTemplate (on lowered text) is the fixed wording of the
// domain-registration scam.
var scamTemplate = lazyRE(`\b(?:as (?:their|its) internet keyword|internet keyword and (?:the )?(?:following )?domain names?|(?:transfer|forward) this (?:e-?mail|letter|message) to your (?:ceo|boss|manager|president)|domain registration service (?:company|organi[sz]ation))\b`)

// htmlAttachment returns the name of an attached web page (.html, .htm,
// .shtml, .svg, .hta), which phishing sends to show a sign-in or payment
// form from no domain at all; "" when there is none.
func htmlAttachment(c *doctales.Communication) string {
	for _, a := range c.Attachments {
		n := strings.ToLower(a.Name)
		for _, ext := range []string{".html", ".htm", ".shtml", ".svg", ".hta"} {
			if strings.HasSuffix(n, ext) {
				return a.Name
			}
		}
	}
	return ""
}

// addressInText matches an e-mail address in a body, for its domain.
var addressInText = lazyRE(`(?i)[a-z0-9._%+-]+@([a-z0-9-]+(?:\.[a-z0-9-]+)+)`)

// serviceStem matches the words phishing domains dress a name up with:
// security, sign-in, delivery, customs, renewal, refund, in the languages
// the set reads ("cloudhost-pro" or "streamline-saas" are names, not this).
var serviceStem = lazyRE(`(?i)(secur|beveilig|sicher|segur|sicurezz|verif|login|signin|update|account|konto|cuenta|conta|compte|billing|pay|pago|pagament|paiement|betal|valid|deliver|entreg|livrai|liefer|parcel|paket|pakket|custom|alfand|douane|zoll|renew|vernieuw|renov|refund|reembols|rembours|support|helpdesk|alert|confirm|bevestig|unlock|auth|klantenservice|kundenservice)`)

// dressedName returns the word of a display name that the sender's
// registrable domain carries beside service words the name does not have
// ("Zuiderbank" at zuiderbank-pasvernieuwing, "CTT Expresso" at
// ctt-entregas-pt), "" otherwise: a company's own domain is its name, not
// its name dressed up as a service.
func dressedName(display, reg string) string {
	tokens := strings.Split(strings.ToLower(reg), "-")
	if len(tokens) < 2 {
		return ""
	}
	names := map[string]bool{}
	ws := words(display)
	for _, w := range ws {
		if len(w) >= 3 {
			names[w] = true
		}
	}
	// "Agencia Tributaria" at agenciatributaria-reembolsos: the name's
	// words run together.
	if len(ws) > 1 {
		names[strings.Join(ws, "")] = true
	}
	hit, extra := "", false
	for _, t := range tokens {
		switch {
		case names[t]:
			hit = t
		case serviceStem.MatchString(t):
			extra = true
		}
	}
	if extra {
		return hit
	}
	return ""
}

// ownDepartment is a display name that is only a department, as a
// colleague's system would sign: from an outside address it claims the
// recipients' own "HR Department".
var ownDepartment = lazyRE(`(?i)^"?(the )?(hr|human resources|payroll|it|i\.t\.|finance|accounting|accounts payable|personnel|people|benefits|it service|it security)( department| dept\.?| team| office| desk)?"?$`)

// impersonated returns whom a display name claims to be that an outside
// address cannot be: a senior title, or the recipients' own organisation
// ("Acme Payroll" writing to acme.example from elsewhere), or only a
// department; "" otherwise.
func impersonated(display string, rcptRegs map[string]bool) string {
	if m := seniorTitle.FindString(display); m != "" {
		return "the title " + m
	}
	if m := ownDepartment.FindString(strings.TrimSpace(display)); m != "" {
		return "the department " + m
	}
	for _, w := range words(display) {
		if len(w) >= 4 && rcptRegs[w] && !freeMail.MatchString(w) {
			return "the recipients' organisation (" + w + ")"
		}
	}
	return ""
}
