package extract

import (
	"net/mail"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract/internal/fastre"
	"github.com/jdkato/prose/v3/token"
)

// DefaultMaxNERTokens bounds how many tokens of one communication the prose
// entity model labels: it costs about 50 µs a token, so it is kept for the
// sentences whose capitalised chunks the cheaper signals cannot type.
const DefaultMaxNERTokens = 24

// maxTagBytes bounds the text the tagger reads for entities and key
// phrases (about 25 µs a word).
const maxTagBytes = 16 << 10

// Words that end an organisation's name, a place's name, an event's name.
var (
	orgSuffixes = sync.OnceValue(func() map[string]bool {
		return wordSet(`Inc Inc. Incorporated LLC L.L.C. Ltd Ltd. Limited Corp Corp. Corporation Company Co Co. GmbH AG SA S.A. PLC plc LLP LP NV BV Bank Bancorp University College Institute Foundation Group Holdings Partners Associates Technologies Technology Systems Labs Laboratories Agency Association Society Council Committee Department Ministry Trust Capital Ventures Airlines Airways Records Entertainment Media Network Networks News Press Club FC Team Hospital School Academy Services Solutions Software Industries Enterprises International Motors Pharmaceuticals Energy Insurance Bros Brothers Studios Magazine Times Post Journal Commission Authority Board Federation Union Party Church Museum Library Fund Securities Financial Investments Consulting Communications Telecom Airlines Railways`)
	})
	orgHeads = sync.OnceValue(func() map[string]bool {
		return wordSet(`University Bank Department Ministry Institute College School Museum Church Society Association Council Board Federation Bureau Office House`)
	})
	placeTails = sync.OnceValue(func() map[string]bool {
		return wordSet(`City County Street St. Avenue Ave Ave. Road Rd Rd. Blvd Blvd. Boulevard Beach Lake River Mountain Mountains Island Islands Bay Valley Airport Station Square Bridge Park Heights Hills Springs Falls Harbor Harbour Port Canyon Coast Province State District Village Town Lane Drive Highway Peninsula Desert Forest Gulf Ocean Sea`)
	})
	placeHeads = sync.OnceValue(func() map[string]bool { return wordSet(`Mount Lake Port Fort San Santa St. Saint Cape Isle`) })
	eventTails = sync.OnceValue(func() map[string]bool {
		return wordSet(`Conference Summit Festival Fest Expo Olympics Games Cup Championship Championships Symposium Workshop Forum Convention Fair Awards Marathon Tournament Open Grand Prix Bowl Series Concert Tour Gala Webinar Hackathon Meetup Election Elections War Revolution`)
	})
	personHeads = sync.OnceValue(func() map[string]bool {
		return wordSet(`Mr Mr. Mrs Mrs. Ms Ms. Dr Dr. Prof Prof. Sir Dame Lord Lady Rev Rev. Sen. Senator Rep. Gov. Governor President Judge Mayor Captain Capt. Coach Uncle Aunt Pope King Queen Prince Princess St.`)
	})
	jobTitles = sync.OnceValue(func() map[string]bool {
		return lineSet(strings.Join([]string{"CEO", "CFO", "CTO", "COO", "CIO", "CMO", "VP", "SVP", "EVP", "President", "Vice President", "Chairman", "Chairwoman", "Chair", "Director", "Managing Director", "Executive Director", "Manager", "General Manager", "Project Manager", "Product Manager", "Senior Manager", "Head of Sales", "Head of Marketing", "Engineer", "Senior Engineer", "Software Engineer", "Analyst", "Senior Analyst", "Consultant", "Partner", "Founder", "Co-Founder", "Owner", "Professor", "Assistant Professor", "Associate Professor", "Attorney", "Counsel", "General Counsel", "Secretary", "Treasurer", "Administrator", "Coordinator", "Specialist", "Officer", "Chief Executive Officer", "Chief Financial Officer", "Chief Technology Officer", "Chief Operating Officer", "Sales Representative", "Account Manager", "Account Executive", "Recruiter", "Editor", "Editor in Chief", "Trader", "Senior Vice President", "Executive Vice President", "Associate", "Intern", "Assistant", "Executive Assistant"}, "\n"))
	})
	// Capitalised words that are never names on their own.
	notNames = sync.OnceValue(func() map[string]bool {
		return wordSet(`I I'm I'll I've I'd A An The This That These Those It Its We You He She They Hi Hello Hey Dear Thanks Thank Regards Best Cheers Sincerely Please Re Fwd Fw FYI OK Ok Yes No Not And Or But If So Then When What Where Why How Who Which Also Just Here There Today Tomorrow Yesterday Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August September October November December Mon Tue Wed Thu Fri Sat Sun Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec AM PM EST PST GMT UTC Subject From To Cc Sent Date Attachment Attachments Note NB PS P.S. Mr Mrs Ms Dr Sir Madam Team All Everyone Folks Guys Morning Afternoon Evening Good Great New Free Click Call Order Buy Save Get Now Only Our Your My His Her Their Lol LOL Omg OMG RT Via via`)
	})
)

var (
	reQuantity = fastre.MustCompile(`(?i)(?:[$€£¥]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|bn|million|billion|thousand))?|\b\d[\d,]*(?:\.\d+)?\s?(?:%|percent|per cent|usd|eur|gbp|dollars?|euros?|pounds?|kg|g|mg|lbs?|pounds|km|mi|miles|m|cm|mm|ft|feet|inches|in\.|gb|mb|tb|kb|hours?|hrs?|minutes?|mins?|days?|weeks?|months?|years?|people|units|shares|items|pages)\b)`)
	reClosing  = fastre.MustCompile(`(?im)^[ \t]*(best regards|kind regards|warm regards|regards|best wishes|best|thanks|thank you|many thanks|cheers|sincerely|yours sincerely|yours truly|yours|respectfully|all the best|take care|love|thx)[,.!]?[ \t]*$`)
)

// lowerOrgs are the known organisations in lower case, less those that are
// also common words.
var lowerOrgs = sync.OnceValue(func() map[string]bool {
	common := wordSet("apple amazon meta oracle target shell visa delta fortune bloomberg sun marvel zoom slack windows office live mail open")
	m := map[string]bool{}
	for o := range knownOrgs() {
		if l := strings.ToLower(o); !common[l] && l != o {
			m[l] = true
		}
	}
	return m
})

// notPersonWords mark a display name as a list, a role or a service.
var notPersonWords = sync.OnceValue(func() map[string]bool {
	return wordSet(`list lists mailing ml digest admin administrator administrators team support help helpdesk desk bot daemon postmaster webmaster mailer service services info information notification notifications news newsletter alert alerts updates customer sales billing account accounts noreply no-reply reply system automated robot group staff office committee discussion announce announcements users user owner owners maintainer editor editors subscribers developers dev devel users-list`)
})

// freemail domains are mail providers, not the sender's organisation.
var freemail = sync.OnceValue(func() map[string]bool {
	return wordSet(`gmail googlemail yahoo ymail hotmail outlook live msn aol icloud me mac mail gmx web proton protonmail zoho yandex qq 163 126 comcast verizon att sbc earthlink btinternet orange free wanadoo t-online libero example localhost`)
})

// entityInput is what the entity finder reads besides the content.
type entityInput struct {
	text      string // analysed content
	replyFrom int    // where the quoted part of text starts
	sender    string
	senderID  string
	recips    []string
	cc        []string
	dates     []doctales.DateMention
	maxNER    int
	toks      []token.Token // tagged tokens of the new text
}

// candidate is a capitalised chunk of tokens.
type candidate struct {
	b, e   int // byte offsets
	t0, t1 int // token range [t0, t1)
}

// findEntities returns the entities of the content and of the headers.
func findEntities(in entityInput) []doctales.Entity {
	var out []doctales.Entity
	nameTokens := map[string]bool{} // tokens of the people in the headers
	domainOrgs := map[string]string{}

	// Headers: display names are people (or organisations), the sender's
	// domain is an organisation.
	addHeader := func(source string, list []string) {
		off := 0
		for i, raw := range list {
			if i > 0 {
				off += 2 // ", "
			}
			name, addr := displayName(raw)
			if name != "" {
				b := off + strings.Index(raw, name)
				typ, score := classifyHeaderName(name)
				out = append(out, doctales.Entity{Text: name, Type: typ, Score: score, BeginOffset: b, EndOffset: b + len(name), Source: source})
				if typ == doctales.EntityPerson {
					for _, w := range strings.Fields(name) {
						nameTokens[strings.Trim(w, ",.")] = true
					}
				}
			}
			if source == doctales.SourceSender && addr != "" {
				if org, lb, le := domainOrg(addr); org != "" {
					b := off + strings.Index(raw, addr) + lb
					out = append(out, doctales.Entity{Text: org, Type: doctales.EntityOrganization, Score: 0.6, BeginOffset: b, EndOffset: b + (le - lb), Source: source})
					domainOrgs[strings.ToLower(org)] = org
				}
			}
			off += len(raw)
		}
	}
	sender := in.sender
	if in.senderID != "" && !strings.Contains(sender, in.senderID) {
		// The sender's address lives in SenderID; offsets of its domain
		// point into SenderID then.
		if org, lb, le := domainOrg(in.senderID); org != "" {
			out = append(out, doctales.Entity{Text: org, Type: doctales.EntityOrganization, Score: 0.6, BeginOffset: lb, EndOffset: le, Source: doctales.SourceSenderID})
			domainOrgs[strings.ToLower(org)] = org
		}
	}
	if sender != "" {
		addHeader(doctales.SourceSender, []string{sender})
	}
	addHeader(doctales.SourceRecipients, in.recips)
	addHeader(doctales.SourceCc, in.cc)

	out = append(out, contentEntities(in, nameTokens, domainOrgs)...)
	return dedupeEntities(out)
}

// contentEntities finds the entities of the content.
func contentEntities(in entityInput, nameTokens map[string]bool, domainOrgs map[string]string) []doctales.Entity {
	text := in.text
	var out []doctales.Entity
	add := func(typ string, score float64, b, e int) {
		out = append(out, doctales.Entity{Text: text[b:e], Type: typ, Score: round3(score), BeginOffset: b, EndOffset: e})
	}

	// Dates and quantities.
	for _, d := range in.dates {
		if d.Source == doctales.SourceContent || d.Source == "" {
			add(doctales.EntityDate, 0.9, d.BeginOffset, d.EndOffset)
		}
	}
	for _, m := range reQuantity.FindAllStringIndex(text, -1) {
		add(doctales.EntityQuantity, 0.8, m[0], m[1])
	}

	// The signature block: the lines after a closing in the new text.
	sig := signatureLines(text, in.replyFrom)
	for i, l := range sig {
		t := strings.TrimSpace(text[l[0]:l[1]])
		b := l[0] + strings.Index(text[l[0]:l[1]], t)
		e := b + len(t)
		switch {
		case i == 0 && looksLikeName(t):
			add(doctales.EntityPerson, 0.9, b, e)
			for _, w := range strings.Fields(t) {
				nameTokens[w] = true
			}
		case jobTitles()[t]:
			add(doctales.EntityTitle, 0.85, b, e)
		}
	}

	// Capitalised chunks from the tagger, typed by the cheap signals first.
	toks := in.toks
	var pending []candidate
	for _, c := range chunks(text, toks) {
		typ, score := classifyChunk(text, toks, c, nameTokens, domainOrgs)
		switch {
		case typ != "":
			add(typ, score, c.b, c.e)
		case c.b >= in.replyFrom:
			// The model is spent on the new text only.
		case c.t1-c.t0 == 1 && sentenceStart(toks, c.t0):
			// A lone capitalised word opening a sentence is most often
			// just the first word.
		default:
			pending = append(pending, c)
		}
	}
	// Well-known organisations written in lower case ("spacex").
	for _, t := range toks {
		if r, _ := utf8.DecodeRuneInString(t.Text); unicode.IsLower(r) && len(t.Text) >= 4 && lowerOrgs()[t.Text] {
			add(doctales.EntityOrganization, 0.6, t.Start, t.End())
		}
	}

	// The prose entity model for the chunks left, within a token budget.
	out = append(out, nerEntities(text, toks, pending, in.maxNER)...)

	// Job titles anywhere, as written in the list.
	for i, t := range toks {
		if jobTitles()[t.Text] && (t.Text != "Partner" && t.Text != "Associate" && t.Text != "Chair" || i > 0 && toks[i-1].Tag == "NNP") {
			if t.Text == "VP" || t.Text == "CEO" || t.Text == "CFO" || t.Text == "CTO" || t.Text == "COO" || t.Text == "Director" || t.Text == "President" || t.Text == "Manager" {
				add(doctales.EntityTitle, 0.7, t.Start, t.End())
			}
		}
	}
	return out
}

// chunks returns the maximal runs of capitalised tokens (joined by "of",
// "&", "and", "de", "van" and the like when a capitalised token follows),
// less greeting words and sentence-initial common words.
func chunks(text string, toks []token.Token) []candidate {
	var out []candidate
	isCap := func(i int) bool {
		t := toks[i]
		r, _ := utf8.DecodeRuneInString(t.Text)
		if !unicode.IsUpper(r) || notNames()[t.Text] {
			return false
		}
		if orgSuffixes()[t.Text] || t.Tag == "NNP" || t.Tag == "NNPS" {
			return true
		}
		// A capitalised word inside a sentence that the tagger did not
		// call a proper noun is still a candidate; at the start it is not.
		return i > 0 && !sentenceStart(toks, i)
	}
	connector := map[string]bool{"of": true, "&": true, "and": true, "de": true, "van": true, "von": true, "der": true, "la": true, "du": true, "da": true, "for": true, "-": true}
	for i := 0; i < len(toks); {
		if !isCap(i) {
			i++
			continue
		}
		j := i + 1
		for j < len(toks) {
			if toks[j].Start > toks[j-1].End()+1 || strings.ContainsAny(text[toks[j-1].End():toks[j].Start], "\n\t") {
				break // a line break or wide gap ends a name
			}
			if isCap(j) {
				j++
				continue
			}
			if connector[toks[j].Text] && j+1 < len(toks) && isCap(j+1) && toks[j].Text != "and" {
				j += 2
				continue
			}
			break
		}
		// Shouting ("URGENT PLEASE READ") is not a name.
		if j-i >= 3 && allUpper(text[toks[i].Start:toks[j-1].End()]) {
			i = j
			continue
		}
		out = append(out, candidate{b: toks[i].Start, e: toks[j-1].End(), t0: i, t1: j})
		i = j
	}
	return out
}

func sentenceStart(toks []token.Token, i int) bool {
	if i == 0 {
		return true
	}
	p := toks[i-1].Text
	return p == "." || p == "!" || p == "?" || p == ":" || p == "\"" || p == "-" || p == "*" || p == ">" || p == "(" || p == "RT"
}

func allUpper(s string) bool {
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
	}
	return true
}

// classifyChunk types a chunk from its words alone: organisation suffixes
// and known organisations, the place gazetteer and place words, title
// prefixes, given names and the people in the headers, event words, job
// titles. It returns "" when none of them applies.
func classifyChunk(text string, toks []token.Token, c candidate, nameTokens map[string]bool, domainOrgs map[string]string) (string, float64) {
	s := text[c.b:c.e]
	ws := make([]string, 0, c.t1-c.t0)
	for i := c.t0; i < c.t1; i++ {
		ws = append(ws, toks[i].Text)
	}
	first, last := ws[0], ws[len(ws)-1]
	prev := ""
	if c.t0 > 0 {
		prev = strings.ToLower(toks[c.t0-1].Text)
	}
	switch {
	case jobTitles()[s]:
		return doctales.EntityTitle, 0.8
	case personHeads()[first] && len(ws) > 1:
		return doctales.EntityPerson, 0.9
	case orgSuffixes()[last] && len(ws) > 1, orgHeads()[first] && len(ws) > 2 && ws[1] == "of":
		return doctales.EntityOrganization, 0.9
	case eventTails()[last] && len(ws) > 1:
		return doctales.EntityEvent, 0.75
	case places()[s]:
		return doctales.EntityLocation, 0.9
	case knownOrgs()[s] || domainOrgs[strings.ToLower(s)] != "":
		return doctales.EntityOrganization, 0.85
	case nameTokens[first] || nameTokens[last]:
		return doctales.EntityPerson, 0.9
	case firstNames()[first] && len(ws) >= 2 && len(ws) <= 3 && !places()[last] && !knownOrgs()[last]:
		return doctales.EntityPerson, 0.85
	case placeTails()[last] && len(ws) > 1, placeHeads()[first] && len(ws) > 1:
		return doctales.EntityLocation, 0.75
	case len(ws) == 1 && firstNames()[first] && (prev == "hi" || prev == "dear" || prev == "hey" || prev == "thanks" || prev == "," || prev == "@"):
		return doctales.EntityPerson, 0.8
	case len(ws) == 1 && firstNames()[first] && !places()[first]:
		return doctales.EntityPerson, 0.7
	case len(ws) >= 2 && places()[last] && (prev == "in" || prev == "at" || prev == "from" || prev == "to" || prev == "near"):
		return doctales.EntityLocation, 0.7
	case len(ws) == 1 && (prev == "in" || prev == "at" || prev == "near") && places()[first]:
		return doctales.EntityLocation, 0.85
	}
	// A known place or organisation inside a longer chunk.
	for _, w := range ws {
		if knownOrgs()[w] && len(ws) <= 2 {
			return doctales.EntityOrganization, 0.7
		}
	}
	return "", 0
}

// nerEntities labels the sentences around the pending chunks with the
// prose entity model, within a budget of maxTokens tokens, and returns the
// chunks it types.
func nerEntities(text string, toks []token.Token, pending []candidate, maxTokens int) []doctales.Entity {
	if len(pending) == 0 || maxTokens <= 0 {
		return nil
	}
	var out []doctales.Entity
	x := extracter()
	used := 0
	doneUpTo := 0
	for _, c := range pending {
		if c.t0 < doneUpTo {
			continue
		}
		// The window: up to four tokens either side, within the sentence.
		s, e := c.t0, c.t1
		for s > 0 && c.t0-s < 4 && !sentenceStart(toks, s) {
			s--
		}
		for e < len(toks) && e-c.t1 < 4 && toks[e-1].Text != "." && toks[e-1].Text != "?" && toks[e-1].Text != "!" {
			e++
		}
		if s < doneUpTo {
			s = doneUpTo
		}
		if used+(e-s) > maxTokens {
			break
		}
		used += e - s
		doneUpTo = e
		win := make([]token.Token, e-s)
		copy(win, toks[s:e])
		x.Label(win)
		// Type every pending chunk inside the window by its labels.
		for _, p := range pending {
			if p.t0 < s || p.t1 > e {
				continue
			}
			votes := map[string]int{}
			for i := p.t0; i < p.t1; i++ {
				l := win[i-s].Label
				if len(l) > 2 {
					votes[l[2:]]++
				}
			}
			best, n := "", 0
			for _, k := range sortedLabels(votes) {
				if votes[k] > n {
					best, n = k, votes[k]
				}
			}
			if typ := nerType(best); typ != "" && n*2 >= p.t1-p.t0 {
				out = append(out, doctales.Entity{Text: text[p.b:p.e], Type: typ, Score: 0.6, BeginOffset: p.b, EndOffset: p.e})
			}
		}
	}
	return out
}

func sortedLabels(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// nerType maps a prose entity label to a Comprehend type.
func nerType(l string) string {
	switch l {
	case "PERSON":
		return doctales.EntityPerson
	case "GPE", "LOC", "LOCATION", "FAC", "FACILITY":
		// prose labels most unknown capitalised words GPE; places come
		// from the gazetteer and place words instead.
		return ""
	case "ORG", "ORGANIZATION":
		return doctales.EntityOrganization
	case "EVENT":
		return doctales.EntityEvent
	case "PRODUCT":
		return doctales.EntityCommercialItem
	}
	return ""
}

// signatureLines returns up to four non-empty lines after the last closing
// ("Best regards,") of the new text, as offsets.
func signatureLines(text string, end int) [][2]int {
	if end > len(text) {
		end = len(text)
	}
	locs := reClosing.FindAllStringIndex(text[:end], -1)
	if len(locs) == 0 {
		return nil
	}
	i := locs[len(locs)-1][1]
	var out [][2]int
	for i < end && len(out) < 4 {
		j := strings.IndexByte(text[i:end], '\n')
		if j < 0 {
			j = end - i
		}
		if strings.TrimSpace(text[i:i+j]) != "" {
			out = append(out, [2]int{i, i + j})
		}
		i += j + 1
	}
	return out
}

// looksLikeName reports whether s is one to four capitalised words.
func looksLikeName(s string) bool {
	ws := strings.Fields(s)
	if len(ws) == 0 || len(ws) > 4 || len(s) > 60 {
		return false
	}
	for _, w := range ws {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) || notNames()[w] || strings.ContainsAny(w, "@:/0123456789") {
			return false
		}
	}
	return true
}

// displayName splits "Ann Lee <ann@x.com>" into name and address.
func displayName(raw string) (string, string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", ""
	}
	if a, err := mail.ParseAddress(raw); err == nil {
		return strings.Trim(a.Name, `"' `), a.Address
	}
	if strings.Contains(raw, "@") && !strings.ContainsAny(raw, " <") {
		return "", raw
	}
	name := strings.Trim(raw, `"' `)
	if name == "" || strings.EqualFold(name, "unknown") {
		return "", ""
	}
	return name, ""
}

// classifyHeaderName types a display name: an organisation when it carries
// an organisation suffix or is a known organisation, a person otherwise
// when it looks like a name.
func classifyHeaderName(name string) (string, float64) {
	ws := strings.Fields(name)
	if len(ws) > 0 && (orgSuffixes()[strings.Trim(ws[len(ws)-1], ",")] || knownOrgs()[ws[0]] && len(ws) <= 2) {
		return doctales.EntityOrganization, 0.85
	}
	if l := strings.ToLower(name); strings.Contains(l, ".com") || strings.Contains(l, ".org") || strings.Contains(l, ".net") {
		return doctales.EntityOther, 0.6
	}
	for _, w := range ws {
		if notPersonWords()[strings.ToLower(strings.Trim(w, ",.()"))] {
			return doctales.EntityOther, 0.6
		}
	}
	if strings.Contains(name, ",") && len(ws) >= 2 {
		// "Lee, Ann" is a person written last name first.
		return doctales.EntityPerson, 0.95
	}
	if looksLikeName(name) && len(ws) >= 2 {
		return doctales.EntityPerson, 0.97
	}
	if len(ws) == 1 && firstNames()[ws[0]] {
		return doctales.EntityPerson, 0.9
	}
	return doctales.EntityOther, 0.5
}

// domainOrg returns the organisation name of an address's domain (the
// label before the public suffix, capitalised) and the label's offsets in
// addr, or "" for free mail providers.
func domainOrg(addr string) (string, int, int) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "", 0, 0
	}
	host := strings.ToLower(strings.TrimRight(addr[at+1:], ">. "))
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return "", 0, 0
	}
	// Skip a second-level public suffix: co.uk, com.au, ac.jp.
	i := len(labels) - 2
	if i > 0 && (len(labels[i]) <= 3 && (labels[i] == "co" || labels[i] == "com" || labels[i] == "ac" || labels[i] == "org" || labels[i] == "net" || labels[i] == "gov" || labels[i] == "edu")) {
		i--
	}
	l := labels[i]
	if l == "" || freemail()[l] || len(l) < 2 {
		return "", 0, 0
	}
	off := at + 1
	for _, x := range labels[:i] {
		off += len(x) + 1
	}
	name := l
	if len(l) <= 4 {
		name = strings.ToUpper(l)
	} else {
		name = strings.ToUpper(l[:1]) + l[1:]
	}
	return name, off, off + len(l)
}

// dedupeEntities keeps one entity per span and source (the best scored)
// and drops an entity inside a longer one of the same source with a higher
// or equal score, then sorts by source and offset.
func dedupeEntities(es []doctales.Entity) []doctales.Entity {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Source != es[j].Source {
			return es[i].Source < es[j].Source
		}
		if es[i].BeginOffset != es[j].BeginOffset {
			return es[i].BeginOffset < es[j].BeginOffset
		}
		return es[i].EndOffset-es[i].BeginOffset > es[j].EndOffset-es[j].BeginOffset
	})
	out := make([]doctales.Entity, 0, len(es))
	for _, e := range es {
		if n := len(out); n > 0 {
			p := &out[n-1]
			if p.Source == e.Source && e.BeginOffset < p.EndOffset {
				// Overlap: keep the longer unless the shorter scores higher.
				if e.Score > p.Score && e.EndOffset-e.BeginOffset >= (p.EndOffset-p.BeginOffset)/2 {
					*p = e
				}
				continue
			}
		}
		out = append(out, e)
	}
	return out
}
