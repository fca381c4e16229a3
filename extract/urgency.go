package extract

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract/internal/fastre"
)

// urgencyCue matches words that say something is urgent; softUrgencyCue
// words that say it matters soon.
var (
	urgencyCue     = fastre.MustCompile(`(?i)\b(urgent|urgently|asap|a\.s\.a\.p|immediately|immediate attention|right away|right now|emergency|critical|time[- ]sensitive|as soon as possible|as soon as you (see|get|read) this|without delay|at once|top priority|high priority|action required|final notice|overdue|past due|dringend|eilig|sofort|umgehend|unverz[üu]glich|urgente|urgentemente|de inmediato|inmediatamente|cuanto antes|imm[ée]diatement|d[èe]s que possible|au plus vite|subito|immediatamente|al pi[ùu] presto|imediatamente|o mais r[áa]pido|dringend|spoed|meteen|zo snel mogelijk|br[åa]dskande|snarast|omg[åa]ende|haster|snarest|straks|hurtigst muligt|s[åa] snart som m[öo]jligt|s[åa] fort som mulig|akutt?|en cuanto (?:leas|veas)(?: esto)?|nada m[áa]s (?:leer|ver) esto|d[èe]s que (?:tu (?:lis|vois)|vous (?:lisez|voyez)) (?:ce|[çc]a|cela)|sobald du (?:das|dies) (?:liest|siehst)|sobald sie (?:das|dies) lesen|appena (?:leggi|vedi)(?: (?:questo|questa|il messaggio))?|assim que (?:leres|ler|vires|vir)(?: (?:isto|isso|esta|este))?|zodra (?:je|u) dit (?:leest|ziet))\b`)
	softUrgencyCue = fastre.MustCompile(`(?i)\b(important|soon|promptly|quickly|reminder|priority|at your earliest convenience)\b`)
)

// UrgencyInput is what the urgency rules look at.
type UrgencyInput struct {
	Ref            time.Time  // the communication's timestamp
	Deadline       *time.Time // resolved deadline, nil if none
	Request        bool       // the communication asks the reader to act
	Cue            string     // a strong urgency word found, lower case; "" if none
	SoftCue        string     // a weaker one ("important", "soon")
	PriorityHeader bool       // X-Priority 1/2, Importance: high or a sender urgency of high

	// Category is the message's category (doctales.Category*): bulk,
	// list, automated and auto-reply mail is never high by its words.
	Category string
	// Incident is set when an automated message's subject reports a
	// broken service (an alert may be high).
	Incident *doctales.Evidence
	// Trouble is set when an automated message's subject reports a
	// failure or a warning (medium: worth a look, not a page); Resolved
	// when it reports that the trouble is over (low).
	Trouble, Resolved *doctales.Evidence
	// Suspicious is why the message looks like fraud; it makes it low.
	Suspicious string
	// DeadlineAsRequest is set when the deadline is a date that merely
	// stands in the asking sentence ("call me asap about Friday"), with
	// no "by" or "before": an urgent word then says when, not the date.
	DeadlineAsRequest bool
	// CueEvidence and DeadlineEvidence locate the urgency word and the
	// deadline, for the reasons.
	CueEvidence, DeadlineEvidence *doctales.Evidence
	// InvitationChange is set for an update or a cancellation of an
	// invitation: low, no deadline (labelling guide, rule 6).
	InvitationChange bool
	// NoRush is set when the sender says there is no hurry ("no rush",
	// "no pressure", "whenever you have time"): a request without a date
	// is then low (labelling guide, rule 5).
	NoRush bool
	// NamesReader is set for a list post that names the reader: with a
	// deadline it asks the reader like a person's mail, and the list's
	// caps do not apply (without one it stays low).
	NamesReader bool
	// Invitation is set for a calendar invitation: it asks for an
	// answer, and is at most medium (labelling guide, rule 6).
	Invitation bool
	// Age is how long after Ref the message is read (extracted), and
	// Freshness how old it may be and still be urgent when nothing is
	// due ahead; zero turns the rule off.
	Age, Freshness time.Duration
}

// boilerplate (matched on lowerASCII text) matches the sentences of disclaimers, legal footers and
// unsubscribe blocks, and a signature's line for emergencies ("For urgent
// matters outside office hours call …"): their "immediately" and
// "urgent" address nobody.
var boilerplate = fastre.MustCompile(`(intended\s+(solely\s+)?(only\s+)?for\s+the\s+(use\s+of\s+the\s+)?(named\s+)?(addressee|recipient|individual)|intended\s+recipient|notify\s+(the\s+sender|us)\s+immediately|(is|are|may\s+be)\s+(strictly\s+)?(confidential|privileged)|confidentiality\s+(notice|notation)|legally\s+privileged|if\s+you\s+(have\s+)?received\s+this\s+(e-?mail|message|communication)\s+in\s+error|unauthori[sz]ed\s+(use|disclosure|review)|disclaimer|this\s+(e-?mail|message)\s+(and\s+any\s+attachments\s+)?(is|are|has\s+been)\s+(scanned|checked)|to\s+unsubscribe|unsubscribe|you\s+are\s+receiving\s+this|privacy\s+policy|all\s+rights\s+reserved|do\s+not\s+reply\s+to\s+this|this\s+is\s+an\s+automated\s+(message|e-?mail)|sent\s+from\s+my\s+(iphone|ipad|blackberry|android|mobile)|konfidensiell|fortrolig|konfidentiell|dersom\s+du\s+har\s+mottatt|hvis\s+du\s+har\s+modtaget|om\s+du\s+har\s+fått|varsle\s+avsender|underret\s+afsender|meddela\s+avsändaren|for\s+(any\s+)?urgent\s+(matters|queries|issues|enquiries|inquiries|cases|requests)|in\s+urgent\s+cases|outside\s+(office|business|working)\s+hours|en\s+caso\s+de\s+urgencia|pour\s+toute\s+urgence|en\s+cas\s+d['’]urgence|in\s+dringenden\s+f(ä|ae|a)llen|per\s+(le\s+)?urgenze|in\s+caso\s+di\s+urgenza|em\s+caso\s+de\s+urg(ê|e)ncia|voor\s+dringende\s+zaken|vertrauliche\s+informationen|nicht\s+der\s+(richtige|beabsichtigte|vorgesehene)\s+(adressat|empf(ä|ae|a)nger)|informations\s+confidentielles|si\s+vous\s+(avez\s+)?re(ç|c)u\s+ce\s+(message|courriel|e-?mail)\s+par\s+erreur|informaci(ó|o)n\s+confidencial|si\s+(ha|has)\s+recibido\s+este\s+(mensaje|correo)\s+por\s+error|informazioni\s+riservate|se\s+(ha|hai)\s+ricevuto\s+quest[ao]\s+(e-?mail|comunicazione|messaggio)\s+per\s+errore|informa(ç|c)(õ|o)es\s+confidenciais|se\s+recebeu\s+(esta|este)\s+(mensagem|e-?mail)\s+por\s+(engano|erro)|vertrouwelijke\s+informatie|als\s+u\s+dit\s+bericht\s+(per\s+vergissing|ten\s+onrechte|abusievelijk)\s+(heeft\s+)?ontvangen|avviso\s+di\s+riservatezza|sono\s+(strettamente\s+)?riservat[ei]|se\s+(ha|hai|avete)\s+ricevuto\s+(quest[ao]|il\s+presente)\s+(e-?mail|comunicazione|messaggio)\s+per\s+errore|non\s+(è|e|siete)\s+il\s+destinatario|aviso\s+de\s+confidencialidad|si\s+usted\s+no\s+es\s+el\s+destinatario|avis\s+de\s+confidentialit(é|É|e)|si\s+vous\s+n['’](ê|Ê|e)tes\s+pas\s+(le\s+)?destinataire|vertraulichkeitshinweis|(irrt(ü|Ü|ue|u)mlich|f(ä|Ä|ae|a)lschlicherweise)\s+erhalten|aviso\s+de\s+confidencialidade|se\s+n(ã|Ã|a)o\s+(for|é|e)\s+o\s+destinat(á|Á|a)rio|niet\s+de\s+(beoogde\s+)?(geadresseerde|ontvanger)|uitsluitend\s+bestemd\s+voor\s+de\s+geadresseerde|intended\s+addressee)`)

// legalFooter (on lower-cased text) is the part of boilerplate that opens
// a legal footer, whose paragraph is all footer.
var legalFooter = fastre.MustCompile(`(intended\s+(solely\s+)?(only\s+)?for\s+the\s+(use\s+of\s+the\s+)?(named\s+)?(addressee|recipient|individual)|intended\s+recipient|notify\s+(the\s+sender|us)\s+immediately|confidentiality\s+(notice|notation)|legally\s+privileged|if\s+you\s+(have\s+)?received\s+this\s+(e-?mail|message|communication)\s+in\s+error|disclaimer|konfidensiell|fortrolig|konfidentiell|vertrauliche\s+informationen|nicht\s+der\s+(richtige|beabsichtigte|vorgesehene)\s+(adressat|empf(ä|ae|a)nger)|informations\s+confidentielles|si\s+vous\s+(avez\s+)?re(ç|c)u\s+ce\s+(message|courriel|e-?mail)\s+par\s+erreur|informaci(ó|o)n\s+confidencial|si\s+(ha|has)\s+recibido\s+este\s+(mensaje|correo)\s+por\s+error|informazioni\s+riservate|se\s+(ha|hai)\s+ricevuto\s+quest[ao]\s+(e-?mail|comunicazione|messaggio)\s+per\s+errore|informa(ç|c)(õ|o)es\s+confidenciais|se\s+recebeu\s+(esta|este)\s+(mensagem|e-?mail)\s+por\s+(engano|erro)|vertrouwelijke\s+informatie|als\s+u\s+dit\s+bericht\s+(per\s+vergissing|ten\s+onrechte|abusievelijk)\s+(heeft\s+)?ontvangen|avviso\s+di\s+riservatezza|sono\s+(strettamente\s+)?riservat[ei]|se\s+(ha|hai|avete)\s+ricevuto\s+(quest[ao]|il\s+presente)\s+(e-?mail|comunicazione|messaggio)\s+per\s+errore|non\s+(è|e|siete)\s+il\s+destinatario|aviso\s+de\s+confidencialidad|si\s+usted\s+no\s+es\s+el\s+destinatario|avis\s+de\s+confidentialit(é|É|e)|si\s+vous\s+n['’](ê|Ê|e)tes\s+pas\s+(le\s+)?destinataire|vertraulichkeitshinweis|(irrt(ü|Ü|ue|u)mlich|f(ä|Ä|ae|a)lschlicherweise)\s+erhalten|aviso\s+de\s+confidencialidade|se\s+n(ã|Ã|a)o\s+(for|é|e)\s+o\s+destinat(á|Á|a)rio|niet\s+de\s+(beoogde\s+)?(geadresseerde|ontvanger)|uitsluitend\s+bestemd\s+voor\s+de\s+geadresseerde|intended\s+addressee)`)

// paragraphBreak reports whether s holds a blank line.
func paragraphBreak(s string) bool {
	return strings.Contains(s, "\n\n") || strings.Contains(s, "\n\r\n") || strings.Contains(s, "\n \n")
}

// imminentCue matches something that happens within the hour or the
// next few: "on site in an hour", "in 20 minutes", "before I board at 4".
var imminentCue = fastre.MustCompile(`(?i)\b((in|within) (an|one|half an|a half|\d{1,2}) (hours?|minutes?|mins)\b|before (i|we) (board|take off|fly|leave|go into)\b|(boarding|landing|takes? off) (in|at) \d)`)

// hourAheadWindow is how soon after the message an hour named in its own
// text makes a request beside it one that cannot wait.
const hourAheadWindow = 6 * time.Hour

// hourAheadToday returns the evidence of the first hour of the message's
// own text (ds are its dates, own its sentences, analyzed the body read)
// that falls later on the message's day and within hourAheadWindow of
// ref, outside quotes and conditional asks, or nil.
func hourAheadToday(ds []doctales.DateMention, own []span, analyzed string, ref time.Time) *doctales.Evidence {
	for _, d := range ds {
		// A clock written with digits: "this morning" is a part of the
		// day read as noon, no hour named.
		if d.Source != doctales.SourceContent || d.Precision != "minute" && d.Precision != "hour" || !strings.ContainsAny(d.Text, "0123456789") {
			continue
		}
		t := d.Time.In(ref.Location())
		if !t.After(ref) || t.Sub(ref) > hourAheadWindow || !dayOf(t).Equal(dayOf(ref)) || inQuotes(analyzed, d.BeginOffset) {
			continue
		}
		for _, s := range own {
			if d.BeginOffset >= s.start && d.BeginOffset < s.end && !conditionalAsk.MatchString(s.text) && !sinceBefore.MatchString(s.text[:d.BeginOffset-s.start]) {
				return &doctales.Evidence{Rule: "within hours", Text: d.Text, Source: doctales.SourceContent, Start: d.BeginOffset, End: d.EndOffset}
			}
		}
	}
	return nil
}

// sinceBefore is what makes the hour after it a start already passed:
// "sitting in reception since 9:40".
var sinceBefore = lazyRE(`(?i)\b(since|seit|depuis|desde|dalle|sinds|vanaf|from)\s+$`)

// situationNow matches a situation that cannot wait, which asks the
// reader to act now whether or not the sender says "urgent" (labelling
// guide, rule 5: "client waiting, site down, locked out"): someone
// waiting for the reader at the door, a service the business runs on
// down, the sender locked out. Present tense only: "the site was down"
// is history. On lower-cased text.
var situationNow = fastre.MustCompile(`(?i)\b(?:` +
	// An emergency on the reader's site: leave now.
	`(?:evacuate|leave the building|get out of the building|evacuation of (?:the |this )?building)(?: \w+){0,4} (?:now|immediately|at once)|evacuate now|verlassen sie (?:sofort |jetzt )?das geb[äa]ude|geb[äa]ude (?:sofort )?(?:r[äa]umen|verlassen)|[ée]vacuez (?:imm[ée]diatement |maintenant )?(?:le b[âa]timent|les lieux)|evac[úu]en (?:inmediatamente |ya )?(?:el edificio|las instalaciones)|abandonen (?:inmediatamente |ya )?el edificio|evacuem (?:imediatamente |j[áa] )?o (?:pr[ée]dio|edif[íi]cio)|abbandonate (?:immediatamente |subito )?l['’]edificio|evacuate (?:immediatamente |subito )?l['’]edificio|verlaat (?:onmiddellijk |nu |direct )?het gebouw|` +
	// Someone waiting.
	`(?:client|customer|courier|driver|truck|lorry|van|delivery|visitor|guest|buyer|candidate|inspector|auditor|patient|technician|engineer|plumber|electrician|contractor|fitter|locksmith|crew|bailiff|notary|interviewee|applicant|supplier|vendor)s?(?: \w+){0,2} (?:is|are|'s|’s|has been|have been)(?: (?:already|still|now|just|all))? (?:here|waiting|downstairs|in reception|at reception|in the lobby|at the (?:front )?(?:desk|door|gate|dock|counter|barrier)|at (?:your|our|the) (?:door|gate|dock|site|office|house|yard|warehouse)|outside|on site|on the (?:phone|line)|on hold|in the car park|in the parking lot|being turned away|turned away)` +
	`|(?:waiting|asking) for you (?:in|at|outside|downstairs|on)` +
	`|(?:waiting|sitting|standing|stuck|queu(?:e|ing))(?: \w+){0,3} (?:at|in|outside) (?:the |your |our )?(?:front desk|reception|lobby|front door|loading dock|counter|waiting room|car park|parking lot|pharmacy|surgery|clinic)\b` +
	`|(?:is|are|'s)(?: (?:down|up|over|out|still|already))?(?: here)? (?:at|in) (?:the |your )?(?:front desk|reception|lobby|front door|gate|loading dock|counter|waiting room|pharmacy|surgery)(?: \w+){0,2} (?:now|waiting|again|with|asking)\b` +
	`|turned away at (?:your|the|our) (?:gate|door|dock|site)` +
	`|(?:just )?(?:checked in|arrived|turned up|shown up|showed up|signed in) (?:at|in) (?:the )?(?:front desk|reception|lobby|front door|gate|security desk)\b` +
	`|(?:people|folks|guests|visitors|delegation|party|family|team) (?:from \w+(?: \w+)? )?(?:is|are|'s|’s) (?:already |now |still )?(?:here|in reception|at reception|in the lobby|downstairs|at the front desk)\b` +
	// The sender and others already at the reader's door.
	`|(?:i'?m|i’m|i am) (?:now |already )?(?:at (?:the|your) (?:door|front door|gate)|outside (?:your|the) (?:door|house|flat|building|office))\b|ik sta (?:nu |al )?voor (?:de|je|uw) deur|ich stehe (?:jetzt |gerade )?vor (?:der|ihrer|deiner) t[üu]r|je suis (?:devant|[àa]) (?:la|ta|votre) porte|estoy (?:en la puerta|delante de tu (?:casa|puerta))|sono (?:qui )?davanti (?:alla porta|a casa)|estou (?:[àa] )?porta` +
	`|wartet noch (?:ein paar|einige|\d+|zehn|f[üu]nf|f[üu]nfzehn) minuten|waits? (?:another|a few|\d+) (?:more )?minutes|espera (?:unos|cinco|diez|\d+) minutos|attend encore (?:quelques|\d+) minutes|aspetta ancora (?:qualche|pochi|\d+) minuti|espera mais (?:uns|alguns|\d+) minutos|wacht nog (?:een paar|\d+) minuten` +
	`|there(?:'s| is| are) (?:a |an |the |two |some )?(?:driver|courier|delivery (?:man|driver)|man|woman|guy|van|truck|lorry|engineer|technician|plumber|electrician|police(?: officer)?|officer|locksmith)s?\b[^.!?\n]{0,40}\b(?:at|outside) (?:your|the) (?:door|front door|gate|house|office|flat)\b` +
	`|ya (?:llegamos|hemos llegado|estamos) a tu (?:edificio|casa|oficina|portal|local)|acabamos de llegar a tu` +
	`|(?:needs|has) to know (?:right )?now|needs an answer (?:right )?now|moet nu weten|muss (?:jetzt|sofort) wissen|doit savoir maintenant|tiene que saber(?:lo)? ya|deve sapere adesso|precisa de saber agora` +
	`|(?:i'?m|i’m|i am) already here\b|sono gi[àa] qui|ya estoy aqu[íi]|je suis d[ée]j[àa] (?:l[àa]|ici|sur place)|ich bin (?:schon|bereits) (?:da|hier|vor ort)|j[áa] estou aqui|ik ben er al\b` +
	// An alarm of the reader's going off now.
	`|alarms? (?:has been |have been |is |are |keeps? )?going off\b` +
	// The sender already at the reader's place or downstairs.
	`|(?:i'?m|i’m|i am) (?:now |already )?(?:downstairs|at your (?:house|place|flat|home))\b|estoy (?:aqu[íi] )?(?:abajo|en tu portal|en el portal|en tu casa|delante de tu portal)|je suis (?:d[ée]j[àa] )?(?:en bas|chez (?:toi|vous)|devant (?:chez (?:toi|vous)|l['’]immeuble|le portail))|ich (?:bin|stehe) (?:schon |gerade |jetzt )?(?:unten|bei (?:dir|ihnen) (?:zu hause|zuhause|im haus)|vor (?:deinem|ihrem) haus)|(?:sono|siamo) (?:gi[àa] )?(?:a casa tua|a casa sua|sotto casa tua|qui sotto|da te)\b|(?:estou|estamos) (?:aqui )?(?:em baixo|embaixo|l[áa] em baixo|na (?:sua|tua) casa|na portaria|no port[ãa]o)|ik (?:sta|ben) (?:nu |al )?(?:beneden|bij (?:je|jou|u) (?:thuis|huis|voor de deur))` +
	`|est[áa] aqui na (?:portaria|rece[çc][ãa]o|porta)|est[áa] aqu[íi] en (?:la porter[íi]a|recepci[óo]n|el portal)|espera no m[áa]ximo (?:uns |mais )?\d+ minutos|espera como mucho (?:unos )?\d+ minutos|attend (?:au maximum|au plus) \d+ minutes|aspetta (?:al massimo|massimo) \d+ minuti|wartet (?:h[öo]chstens|maximal) \d+ minuten|wacht (?:hooguit|maximaal) \d+ minuten|waits? (?:at most|no more than) \d+ minutes|stiamo fermi|siamo fermi|estamos parados|(?:t[áa]|est[áa]) aqui parad[oa](?: esperando)?|(?:t[áa]|est[áa]) aqui esperando|chegou agora e (?:quer|precisa|pergunta)|on est bloqu[ée]s|wir stehen still` +
	`|aqu[íi] fuera con (?:[ée]l|ella|ellos)|(?:i'?m|i’m|i am) (?:outside|here) with (?:him|her|them)\b` +
	`|est[áa] aqu[íi](?:\s+[^\s.,;!?]+){0,3}\s+(?:[àa] espera|esperando)\b` +
	`|we(?:'re|’re| are)(?: already| now| still)? (?:downstairs|outside (?:your|the) (?:door|house|office|building|gate|flat|shop)|at (?:the|your) (?:door|front door|gate|house|loading dock)|in (?:reception|the lobby))\b` +
	`|(?:ya )?estamos(?: [^ .,;!?\n]+){0,3} (?:delante del? (?:portal|puerta|edificio|casa)|en (?:la )?puerta|en el portal|en (?:la )?recepci[óo]n)` +
	`|(?:nous sommes|on est)(?: [^ .,;!?\n]+){0,2} (?:devant (?:la porte|l['’]immeuble|chez (?:vous|toi)|le portail)|en bas de chez|[àa] l['’]accueil)` +
	`|wir (?:stehen|sind|warten)(?: [^ .,;!?\n]+){0,2} (?:vor (?:der (?:t[üu]r|haust[üu]r|einfahrt)|dem (?:haus|tor|geb[äa]ude)|ihrem|deinem)|am empfang|an der rampe)` +
	`|siamo(?: [^ .,;!?\n]+){0,2} (?:davanti (?:al portone|alla porta|al cancello|a casa)|sotto casa|in reception)` +
	`|estamos(?: [^ .,;!?\n]+){0,2} (?:[àa] porta|em frente (?:ao|[àa]) (?:pr[ée]dio|casa|port[ãa]o)|na rece[çc][ãa]o|na portaria)` +
	`|(?:we|wij) (?:staan|zijn|wachten)(?: [^ .,;!?\n]+){0,4} (?:voor de (?:dichte )?deur|bij de receptie|aan de poort|voor het gebouw|voor je huis|bij (?:jullie|je|uw|de) (?:loods|deur|poort|winkel|zaak|magazijn|werkplaats|hal))` +
	// A service down.
	`|(?:site|website|web site|webshop|web shop|server|servers|shop|store|checkout|tills?|card (?:machine|terminal|reader)s?|payments?|network|internet|e-?mail|phones?|phone lines?|app|portal|production|prod|database|vpn|power|freezers?|cold ?room|fridges?|systems?) (?:is|are|'s|’s|has gone|have gone|went|keeps going|keep going)(?: (?:completely|still|all|totally))? (?:down|offline|dead|not working|out)\b` +
	`|customers (?:are|keep) (?:calling|ringing|complaining|phoning)` +
	`|(?:people|customers|clients|guests|callers|patients)(?: \w+){0,2} (?:have|has|are|keep) (?:rung|ringing|called|calling|phoned|phoning|complaining)(?: \w+){0,4} (?:saying|that) (?:they|it) can(?:'|’)?t\b` +
	`|(?:phones?|lines?) (?:haven'?t|have not|hasn'?t|has not|haven’t|hasn’t) stopped` +
	`|(?:has been|is|keeps?) (?:showing|throwing|returning|giving) (?:a |an )?(?:blank|white|error|500|404|502|503)\b` +
	`|customers can(?:'|’)?t (?:check ?out|pay|log ?in|order|get in|book)` +
	// A client waiting, in any of the seven languages, without article.
	`|(?:client|clients|cliente|clientes|kunde|kunden|kundin|klant|klanten)\s+(?:est[áa]\s+|sta\s+|ist\s+|is\s+|staat\s+)?(?:esperando|[àa] espera|a aguardar|aguardando|wartet|warten|wacht|wachten|attend|attendent|aspetta|aspettano|waiting)\b` +
	`|(?:here|aqui|aqu[íi]|ici|hier|qui)\s+(?:at|in|na|en|[àa]|am|bij|alla)\s+(?:the\s+|la\s+|l['’])?(?:reception|lobby|recep[çc][ãa]o|recepci[óo]n|r[ée]ception|accueil|empfang|receptie)\b` +
	`|(?:vor (?:dem |der )?(?:verschlossenen |geschlossenen )?(?:hof)?(?:tor|t[üu]r)|voor (?:de |het )?(?:dichte |gesloten )?(?:poort|deur|hek))\b[^.!?\n]{0,30}\b(?:warten|wartet|wachten|wacht)\b` +
	`|(?:wir|sie|er|ich) (?:warten|wartet|warte) (?:hier )?(?:noch )?bis\b` +
	`|(?:elettricista|idraulico|tecnico|corriere|cami[ãa]o|caminh[ãa]o|camion|camionista|muratore|fabbro|operai|squadra|fontanero|electricista|t[ée]cnico|repartidor|electricien|plombier|technicien|livreur|lectricien|elektricien|loodgieter|monteur|eletricista|canalizador|encanador)\b[^.!?\n]{0,40}\b(?:aspetta|aspettano|sta aspettando|stanno aspettando|[èe] qui|sono qui|sul posto|est[áa] esperando|espera|est[áa] aqu[íi]|attend|est l[àa]|est sur place|wacht|staat te wachten|est[áa] [àa] espera|est[áa] aqui|esperando|[àa] espera|aguarda)\b` +
	`|(?:stuck|trapped) in (?:the |a )?(?:lift|elevator)|steckengeblieben\w* aufzug|im aufzug (?:stecken|eingeschlossen)|atrapad[oa]s? en el ascensor|bloqu[ée]e?s? dans l'ascenseur|bloccat[oa] in ascensore|pres[oa] no elevador|vast in de lift` +
	// Animals loose on a road.
	`|(?:cows|cattle|heifers|calves|sheep|horses|bullocks|steers|goats|pigs|livestock|rinder|jungrinder|kuhe|kalber|schafe|pferde|vacas|ovejas|caballos|vaches|moutons|chevaux|mucche|pecore|cavalli|koeien|schapen|paarden|gado|ovelhas|cavalos)\b[^.!?\n]{0,50}\b(?:out on|loose on|on|auf|en|sur|sulla|op|na|no)\s+(?:the |der |die |den |la |le |el |de |a |o )?(?:road|roads|highway|lane|motorway|stra[ßs]e|staatsstra[ßs]e|landstra[ßs]e|bundesstra[ßs]e|carretera|route|strada|weg|estrada|rijksweg)\b` +
	// Water where it should not be.
	`|(?:pipe|tank|boiler|water heater|radiator|main)s? (?:has |have )?(?:just )?(?:burst|split)|water (?:is )?(?:coming|pouring|leaking|dripping|running) (?:through|into|down|from|out of)` +
	`|se ha reventado|revent[óo] (?:una|la) tuber[íi]a|(?:le |nos |me )?cae agua|se est[áa] inundando` +
	`|fuite d'eau|d[ée]g[âa]t des eaux|(?:tuyau|canalisation) (?:a )?(?:[ée]clat[ée]|perc[ée]|p[ée]t[ée])` +
	`|rohrbruch|wasserschaden|wasser (?:l[äa]uft|tropft|kommt) (?:durch|aus|in)` +
	`|(?:tubo|tubatura) (?:[èe] )?scoppiat[oa]|perdita d'acqua|si sta allagando` +
	`|(?:cano|tubo) (?:estourou|rebentou)|est[áa] a (?:entrar|cair) [áa]gua|est[áa] entrando [áa]gua` +
	`|leiding (?:is )?gesprongen|lekkage|water komt door het plafond` +
	// Locked out.
	`|(?:i'?m|i’m|i am|we'?re|we’re|we are|she'?s|he'?s|they'?re|they are) (?:locked out|stuck outside|stranded)` +
	`|(?:keypad|door|lock|gate|barrier|card reader|fob reader|reader|turnstile)s? (?:is|are|keeps?) (?:rejecting|refusing|not (?:accepting|opening|reading))\b|(?:rejecting|refusing|won'?t accept|not accepting) (?:everyone'?s|everybody'?s|our|all the|all our) (?:codes?|keys?|cards?|fobs?|badges?|passes)` +
	`|(?:two|three|four|five|six|seven|eight|nine|ten|twelve|a few|a dozen|some|all|most|half|\d{1,2}) of us (?:are |stuck |standing |waiting )?outside\b` +
	// Spanish, French, German, Portuguese, Italian, Dutch.
	`|(?:el|la|los|las) (?:cliente|clientes|mensajero|repartidor|cami[óo]n|camionero|transportista|inspector|t[ée]cnico|proveedor)(?: \w+){0,2} (?:ya )?(?:est[áa]n? (?:esperando|aqu[íi]|abajo|en (?:la )?recepci[óo]n|en la puerta)|te espera|le espera|espera(?:n)? en)` +
	`|(?:la web|la p[áa]gina|el servidor|la tienda|el sistema|la red|internet|el dat[áa]fono|la caja|el tpv)(?: \w+)? (?:est[áa] ca[íi]d[oa]|se ha ca[íi]do|se cay[óo]|no funciona|est[áa] fuera de servicio)` +
	`|(?:le|la|les) (?:client|cliente|clients|livreur|coursier|camion|chauffeur|transporteur|technicien|inspecteur|visiteur)s?(?: \w+){0,2} (?:est (?:l[àa]|en bas|[àa] l'accueil|devant)|sont (?:l[àa]|en bas)|attend(?:ent)?|vous attend|t'attend)` +
	`|(?:le site|le serveur|la boutique|le syst[èe]me|le r[ée]seau|internet|la caisse|les caisses)(?: \w+)? (?:est (?:en panne|down|hors service|inaccessible|tomb[ée])|ne (?:marche|fonctionne) plus)` +
	`|(?:der|die) (?:kunde|kundin|kunden|kurier|fahrer|lkw|spediteur|techniker|pr[üu]fer|besuch|lieferant|handwerker|monteur|maler|g[äa]rtner|fotograf|fotografin|installateur|elektriker|schreiner|tischler)(?: [^\s.,;!?]+){0,4} (?:wartet|warten|ist (?:schon |bereits |jetzt )?da\b|steht (?:vor der t[üu]r|am tor|unten|an der rampe|mit mir))` +
	`|(?:die website|die seite|der server|der shop|der webshop|das system|das netz|das internet|die kasse|die kassen)(?: \w+)? (?:ist|sind) (?:down|ausgefallen|offline|tot|nicht erreichbar)` +
	`|(?:o|a|os|as) (?:cliente|clientes|motorista|cami[ãa]o|caminh[ãa]o|estafeta|entregador|t[ée]cnico|inspetor|fornecedor)(?: \w+){0,2} (?:j[áa] )?(?:est[áa]o? (?:[àa] espera|esperando|aqui|na rece[çc][ãa]o|na portaria|no port[ãa]o|l[áa] em baixo)|chegou)` +
	`|(?:o site|o servidor|a loja|o sistema|a rede|a internet|as caixas|o multibanco)(?: \w+)? (?:est[áa]o? (?:em baixo|fora do ar|parad[oa]s?|ca[íi]d[oa]s?)|caiu|n[ãa]o funciona)` +
	`|(?:il|la|i) (?:cliente|clienti|corriere|camion|camionista|autista|tecnico|ispettore|fornitore|fotografo|fotografa|imbianchino|giardiniere|muratore|idraulico|elettricista|falegname|operaio|operai)(?: \w+){0,2} (?:[èe] (?:gi[àa] )?(?:qui|gi[ùu]|in reception|al cancello|arrivato|in negozio|in ufficio|da te|sul posto|in cantiere)|sono (?:qui|gi[ùu]|arrivati)|sta aspettando|stanno aspettando|aspetta(?:no)?|ti aspetta)` +
	`|(?:il sito|il server|il negozio|il sistema|la rete|internet|le casse|il pos)(?: \w+)? (?:[èe] (?:gi[ùu]|down|fermo|bloccato|offline)|sono (?:gi[ùu]|ferm[ei]|bloccat[ei])|non funziona)` +
	`|(?:de|den) (?:klant|klanten|koerier|chauffeur|vrachtwagen|monteur|inspecteur|leverancier|bezoeker|hovenier|tuinman|schilder|fotograaf|loodgieter|elektricien|aannemer|werkman|werklui|technieker)(?: \w+){0,2} (?:staat|staan|wacht|wachten|is er(?: al)?|zit) (?:al |nu |hier )?(?:te wachten|aan (?:de|uw|je|jouw) (?:poort|deur)|beneden|bij de receptie|voor de deur|op je)?` +
	`|(?:de site|de website|de server|de webshop|het systeem|het netwerk|internet|de kassa|de kassa's|de pin|de pinautomaat)(?: \w+)? (?:ligt|liggen|is|zijn) (?:eruit|plat|down|offline)` +
	// The reader's own car, animals or things in someone's way now:
	// "your van is blocking our drive", "Seu Corolla ficou parado atrás
	// do nosso carro", "Jullie kippen lopen op het fietspad".
	`|your(?: \p{L}+){1,3} (?:is|are) (?:blocking|loose|out on the|on the (?:road|cycle path|pavement|tracks)|in (?:our|my) (?:garden|yard|drive|driveway)|parked (?:across|in front of) (?:our|my))` +
	`|(?:seu|sua|seus|suas)(?: \p{L}+){1,3} (?:ficou parad[oa] atr[áa]s|est[áa] bloqueando|est[áa]o bloqueando|bloqueia|est[áa]o? soltas? na (?:rua|estrada))` +
	`|(?:jullie|je|jouw|uw)(?: \p{L}+){1,2} (?:lopen|loopt|staat|staan) (?:los )?(?:op (?:het|de) (?:fietspad|weg|straat|stoep|rijbaan)|in (?:onze|mijn) tuin|voor (?:onze|mijn|de) (?:uitrit|oprit|garage))` +
	`|(?:ihr|ihre|dein|deine|euer|eure)(?: \p{L}+){1,2} (?:steht|stehen|l[äa]uft|laufen|blockiert|blockieren) (?:frei )?(?:vor (?:unserer|der|meiner) (?:einfahrt|ausfahrt|garage)|auf (?:der|dem) (?:stra[ßs]e|radweg|gehweg|fahrbahn)|in (?:unserem|meinem) garten|(?:unsere|die) (?:einfahrt|ausfahrt))` +
	`|(?:votre|ta|ton|vos|tes)(?: \p{L}+){1,2} (?:bloque|bloquent|est garée devant|sont sur la (?:route|piste cyclable|chaussée)|sont dans (?:notre|mon) jardin)` +
	`|(?:tu|su|tus|sus)(?: \p{L}+){1,2} (?:est[áa] bloqueando|bloquea|est[áa]n? suelt[oa]s? (?:en|por) la (?:carretera|calle)|est[áa]n? en (?:nuestro|mi) jard[íi]n)` +
	`|(?:la tua|il tuo|le tue|i tuoi|la sua|il suo)(?: \p{L}+){1,2} (?:blocca|sta bloccando|sono (?:sulla|in) (?:strada|ciclabile)|sono nel (?:nostro|mio) giardino)` +
	`)`)

// scheduledAfter matches what makes a service "down" a plan, not a
// situation: "down for maintenance on Saturday", "out until Monday".
var scheduledAfter = lazyRE(`(?i)^\W*(for (planned |scheduled |routine )?maintenance|until|till|from|between|on (mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|tonight|next|this (weekend|evening)|over the weekend|for the (weekend|holidays?))\b`)

// addressee matches words that speak to the reader.
var addressee = fastre.MustCompile(`(?i)\b(you|your|yours|you're|you'll|you've|u|ur|yourself|everyone|everybody|all of you|team|folks|guys|du|dich|dir|dein|deine|euch|euer|ihnen|tu|toi|vous|votre|vos|tú|usted|ustedes|vosotros|voi|vostro|você|vocês|jij|jou|jouw|uw|jullie|kannst|könntest|puedes|podrías|pouvez|peux|puoi|potresti|podes|podia|kunt|deg|dig|dere|jer|dina|dine|ditt)\b`)

// firstPerson matches a sentence in which the sender speaks of
// themselves: "I'm testing it right now".
var firstPerson = fastre.MustCompile(`(?i)^\W*([\p{L}.]+,\s+)?(i|i'm|i’m|im|i've|i'll|i'd|we|we're|we've|we'll|we'd|my|our|me|ich|wir|mein|meine|unser|unsere|yo|nosotros|nous|j'ai|j’ai|io|noi|eu|nós|ik|wij|mijn|onze|jeg|jag|v[åa]r|v[åa]rt|v[åa]re|vores)\b`)

// directAsk matches a sentence that asks the reader in so many words.
var directAsk = fastre.MustCompile(`(?i)\b(need you|need your|want you|please|asap|can you|could you)\b`)

// nowCue matches "now" and its kin, an urgency word only in a sentence
// that asks something of the reader ("I need you on the bridge now",
// "Call me now", "drop everything").
var nowCue = fastre.MustCompile(`(?i)(\b(call|ring|phone|text) me\b[^.?!\n]{0,12}\bnow\b|\bdrop everything\b|^\W*(?:\p{L}+,\s+)?(?:join|come|call|ring|get on|hop on|jump on|dial in)\b[^.?!\n]{0,40}\bnow\s*([.!,;:)\-–]|$)|\b(need|want) (you|your \w+|this|it|that|everyone|all hands)\b[^.?!\n]{0,40}\bnow\s*([.!,;:)\-–]|$)|\bnow,? please\b|\bplease,? now\b|\bplease\b[^.?!\n]{0,40}\bnow\s*([.!,;:)\-–]|$|\s+and\b)|\b(sofort|tout de suite|de inmediato|agora|ahora|maintenant|jetzt|adesso|inmediatamente|subito|immediatamente|imediatamente|meteen|onmiddellijk)\b)`)

// sendersHurry is what comes before an urgency word that the sender
// applies to themselves ("we will immediately begin looking", "I'll get
// back to you asap"), and salesHurry an advertiser's call to act ("Click
// Right NOW", "Download it right now").
var (
	sendersHurry = lazyRE(`(?i)\b(i|we)((\s+(will|shall|would|can))|'ll|’ll|\s+(am|are) going to)\s+(\w+\s+){0,2}$`)
	salesHurry   = lazyRE(`(?i)\b(click|download|order|buy|act|subscribe|sign up|register|apply|shop|grab|claim|call (us|now|today|toll))\b[^.!?\n]{0,20}$`)
)

// notReadersHurry reports whether the urgency word after before is the
// sender's own pace or an advertiser's call, not a hurry for the reader.
func notReadersHurry(before string) bool {
	return sendersHurry.MatchString(before) || salesHurry.MatchString(before)
}

// addressesReader reports whether a sentence asks or tells the reader
// something: it speaks to them, or states something other than the
// sender's own doings.
func addressesReader(s string) bool {
	return addressee.MatchString(s) || !firstPerson.MatchString(s)
}

// endOfDayIn returns the end of the calendar day days after t, in t's
// zone: deadlines are counted in days, not hours.
func endOfDayIn(t time.Time, days int) time.Time {
	d := t.AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, d.Location())
}

// noRush matches a sender saying a request can wait.
var noRush = fastre.MustCompile(`(?i)\b(no rush|no hurry|no pressure|no urgency|not urgent|no hay prisa|(no corre|sin) ninguna prisa|whenever you (have|get|find) (a )?(time|chance|a moment|a minute|a spare)|sin prisa|no corre prisa|pas press[ée]|rien ne presse|keine eile|eilt nicht|nessuna fretta|sem pressa|geen haast)\b`)

// Urgency score bands: a level's score lies in [low, high) of its band.
const (
	lowBase    = 0.1
	mediumBase = 0.45
	highBase   = 0.75
)

// Urgency applies the urgency rules: high when a deadline falls within one
// business day of the timestamp, or a strong urgency word comes with a
// request; medium for a deadline within a week, an undated request or a
// strong urgency word alone; low otherwise. A priority header only adds to
// the score and, with a request, names itself as a reason: it never makes a
// communication high by itself, since spam sets it freely. It returns the
// level, a score in 0..1 and the reasons.
func Urgency(in UrgencyInput) (string, float64, []string) {
	level, score, reasons, _ := UrgencyWithEvidence(in)
	return level, score, reasons
}

// UrgencyWithEvidence is Urgency with the evidence of each reason: the
// words of the deadline and of the urgency word with their offsets, and
// the category or suspicion that capped it.
func UrgencyWithEvidence(in UrgencyInput) (string, float64, []string, []doctales.Evidence) {
	var reasons []string
	var evidence []doctales.Evidence
	deadlineHigh := false // high because of a near deadline, not of words
	cite := func(e *doctales.Evidence) {
		if e != nil {
			evidence = append(evidence, *e)
		}
	}
	level := doctales.UrgencyLow
	score := lowBase
	raise := func(l string, base float64, reason string) {
		if doctales.UrgencyRank(l) > doctales.UrgencyRank(level) {
			level, score = l, base
		}
		reasons = append(reasons, reason)
	}

	// Deadline proximity, counted from the communication's own timestamp.
	// At the time the message is read: "due Monday 9:00" read on Friday
	// is due the next working day.
	at := in.Ref
	if in.Age > 0 {
		at = in.Ref.Add(in.Age)
	}
	if in.Deadline != nil {
		until := in.Deadline.Sub(at)
		switch {
		case in.Deadline.Before(in.Ref) && in.Ref.Sub(*in.Deadline) < 7*24*time.Hour && in.Request:
			// Overdue when it was sent: a reminder of a missed date
			// needs a follow-up, but the hour has passed (labelling
			// guide, medium); an urgent word with it makes it high.
			raise(doctales.UrgencyMedium, mediumBase+0.15, "overdue deadline + request")
			cite(in.DeadlineEvidence)
		case until < 0 && until > -7*24*time.Hour && in.Request && personal(in.Category):
			// Missed since it came: still open, but the hour has passed.
			raise(doctales.UrgencyMedium, mediumBase+0.1, "missed deadline, "+humanDuration(-until)+" ago")
			cite(in.DeadlineEvidence)
		case until < 0:
			reasons = append(reasons, "deadline already past")
		case !in.Deadline.After(endOfNextBusinessDay(at)):
			raise(doctales.UrgencyHigh, highBase+0.1, "deadline in "+humanDuration(until))
			cite(in.DeadlineEvidence)
			deadlineHigh = true
		case !in.Deadline.After(endOfDayIn(at, 7)):
			// Within a week, counted in days: "the 18th" read on the 11th.
			raise(doctales.UrgencyMedium, mediumBase+0.1, "deadline in "+humanDuration(until))
			cite(in.DeadlineEvidence)
		case (in.Request || in.Invitation) && (personal(in.Category) || in.Category == doctales.CategoryList && in.NamesReader) && !in.Deadline.After(endOfDayIn(at, 14)):
			// A person's request keeps its weight for two weeks; so does
			// a person's invitation, which asks for an answer, and a list
			// post's request that names the reader (labelling guide,
			// settled cases; blind-117, 5110 was due in nine days).
			raise(doctales.UrgencyMedium, mediumBase, "request with a deadline in "+humanDuration(until))
			cite(in.DeadlineEvidence)
		default:
			reasons = append(reasons, "deadline in "+humanDuration(until))
		}
	}

	// Urgency words, strong with a request, alone, or soft.
	switch {
	case in.Cue != "" && in.Request && in.Deadline != nil && in.Deadline.After(endOfNextBusinessDay(in.Ref)) && !in.DeadlineAsRequest &&
		(in.CueEvidence == nil || in.CueEvidence.Rule != "happening now"):
		// "Urgent: … by the end of next week": the date says when. (A
		// situation happening now is now whatever date the mail names:
		// the valuer at the door, "the bank wants the report before the
		// 20th".)
		raise(doctales.UrgencyMedium, mediumBase, "urgent word + request, deadline later")
		cite(in.CueEvidence)
	case in.Cue != "" && in.Request:
		raise(doctales.UrgencyHigh, highBase, "urgent word + request")
		cite(in.CueEvidence)
	case in.Cue != "":
		raise(doctales.UrgencyMedium, mediumBase, "urgent word, no request")
		cite(in.CueEvidence)
	case in.Request && in.Deadline == nil:
		raise(doctales.UrgencyMedium, mediumBase, "undated request")
	case in.Request:
		reasons = append(reasons, "request")
	}
	if in.SoftCue != "" {
		score += 0.05
		reasons = append(reasons, "soft urgency word")
	}
	if in.PriorityHeader {
		score += 0.05
		reasons = append(reasons, "priority header")
	}
	if in.Cue != "" && in.Deadline != nil {
		score += 0.1
	}

	// What kind of message it is caps what its words can do.
	capAt := func(l, reason string) {
		if doctales.UrgencyRank(level) > doctales.UrgencyRank(l) {
			level = l
			score = map[string]float64{doctales.UrgencyLow: mediumBase - 0.01, doctales.UrgencyMedium: highBase - 0.01}[l]
		}
		reasons = append(reasons, reason)
	}
	switch {
	case in.Suspicious != "":
		capAt(doctales.UrgencyLow, "suspicious: "+in.Suspicious)
	case in.Category == doctales.CategoryAutoReply:
		capAt(doctales.UrgencyLow, "automatic reply")
	case in.Category == doctales.CategoryBulk:
		capAt(doctales.UrgencyLow, "newsletter or marketing: what it urges is not the reader's")
	case in.Category == doctales.CategoryList && in.NamesReader && in.Deadline != nil:
		// (labelling guide, settled cases: rule 4, like a person's request)
	case in.Category == doctales.CategoryList && in.Request && in.Deadline != nil && !in.Deadline.After(in.Ref.Add(7*24*time.Hour)) && !in.Deadline.Before(in.Ref):
		capAt(doctales.UrgencyMedium, "mailing list: written to everyone, but asks with a deadline this week")
	case in.Category == doctales.CategoryList:
		capAt(doctales.UrgencyLow, "mailing list: written to everyone, not to the reader")
	case in.Category == doctales.CategoryAutomated && in.Incident != nil:
		raise(doctales.UrgencyHigh, highBase+0.05, "alert: "+strings.ToLower(in.Incident.Text))
		cite(in.Incident)
	case in.Category == doctales.CategoryAutomated && level == doctales.UrgencyHigh && !deadlineHigh:
		capAt(doctales.UrgencyMedium, "automated message: never high by its words")
	}
	if in.Category == doctales.CategoryAutomated {
		switch {
		case in.Resolved != nil:
			capAt(doctales.UrgencyLow, "resolved: "+strings.ToLower(in.Resolved.Text))
			cite(in.Resolved)
		case in.Trouble != nil && level == doctales.UrgencyLow:
			raise(doctales.UrgencyMedium, mediumBase, "automated: "+strings.ToLower(in.Trouble.Text))
			cite(in.Trouble)
		case in.Incident == nil && in.Deadline != nil && in.Deadline.After(endOfDayIn(at, 7)):
			// A system's reminder more than a week ahead is low, whatever
			// its words (labelling guide, rule 4 and settled cases).
			capAt(doctales.UrgencyLow, "automated: due in "+humanDuration(in.Deadline.Sub(at)))
		}
	}
	if in.Invitation {
		capAt(doctales.UrgencyMedium, "invitation: it asks for an answer")
	}
	if in.InvitationChange {
		capAt(doctales.UrgencyLow, "invitation updated or cancelled")
	}
	if in.NoRush && in.Deadline == nil && in.Cue == "" {
		capAt(doctales.UrgencyLow, "no rush, no date")
	}
	// Old mail: read long after it came, with nothing due ahead, it no
	// longer asks for anything now.
	if in.Age > 0 && in.Freshness > 0 && in.Age > in.Freshness && (in.Deadline == nil || in.Deadline.Before(at)) {
		if in.Deadline != nil && at.Sub(*in.Deadline) < 7*24*time.Hour && in.Request && personal(in.Category) {
			// A person's request missed within the week is still open.
			capAt(doctales.UrgencyMedium, "read "+humanDuration(in.Age)+" after it was sent; its deadline passed")
		} else {
			capAt(doctales.UrgencyLow, "read "+humanDuration(in.Age)+" after it was sent, with nothing due ahead")
		}
	}

	// Keep the score inside its level's band.
	top := map[string]float64{doctales.UrgencyLow: mediumBase - 0.01, doctales.UrgencyMedium: highBase - 0.01, doctales.UrgencyHigh: 1}[level]
	score = math.Round(math.Min(score, top)*100) / 100
	if len(reasons) == 0 {
		reasons = append(reasons, "no deadline, request or urgency word")
	}
	return level, score, reasons, evidence
}

// endOfNextBusinessDay returns the end (23:59:59) of the first business day
// after t's day: Friday's next business day is Monday.
func endOfNextBusinessDay(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, t.Location())
	d = d.AddDate(0, 0, 1)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// humanDuration formats d as "45m", "3h" or "2d".
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(math.Ceil(d.Minutes())))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(math.Round(d.Hours())))
	}
	return fmt.Sprintf("%dd", int(math.Round(d.Hours()/24)))
}

// priorityHeader reports whether the communication's fields or metadata
// carry a high priority flag.
func priorityHeader(c *doctales.Communication) bool {
	if c.Metadata.SenderUrgency == doctales.UrgencyHigh {
		return true
	}
	for k, v := range c.Fields {
		s, ok := v.(string)
		if !ok {
			if f, ok := v.(float64); ok {
				s = fmt.Sprint(f)
			} else if i, ok := v.(int); ok {
				s = fmt.Sprint(i)
			} else {
				continue
			}
		}
		s = strings.ToLower(strings.TrimSpace(s))
		switch strings.ToLower(k) {
		case "x-priority", "xpriority", "priority":
			if strings.HasPrefix(s, "1") || strings.HasPrefix(s, "2") || strings.HasPrefix(s, "high") || strings.HasPrefix(s, "urgent") {
				return true
			}
		case "importance", "x-msmail-priority":
			if s == "high" {
				return true
			}
		}
	}
	return false
}
