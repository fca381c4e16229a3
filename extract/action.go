package extract

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/doctales/doctales/extract/internal/actionmodel"
	"github.com/doctales/doctales/extract/internal/fastre"
)

// requestCue matches phrases that ask the reader to do something or
// propose something to them.
var requestCue = fastre.MustCompile(`(?i)^\W*(?:(?-i:[A-Z][a-z]+),?\s+)?need (the|your|that|this|those|these|it)\b|\b(please|pls|plz|kindly|could you|can you|would you|could u|can u|would u|will you|would you mind|let me know|let us know|get back to me|i need you|need you to|you need to|you['’]ll need to|you will need to|you must|you should|make sure|don't forget|do not forget|remember to|rsvp|please advise|action required|action needed|respond by|reply by|i'd like you|i would like you|i['’]d like your|i would like your|i['’]d like to have your|i want you|we need you|are you able|are you available|is it possible|can we|could we|shall we|should we|let's|let us|how about|why don't we|why don't you|i suggest|we suggest|i propose|we propose|i recommend|would it be possible|i was wondering if|do you have|do you know|need your|your approval|for your review|for your approval|awaiting your|look forward to hearing|call me|give me a call|email me|send me|tell me|tell us|i['’]ll need|i will need|we['’]ll need|we will need|(i|we) (?:still |really |urgently |also |just |do )?need (the|this|that|it|your|a|an|to have|to get)|(i|we)'d appreciate|i would appreciate|appreciate it if)\b`)

// foreignRequestCue matches the same asks in es/fr/de/pt/it/nl. It is read
// only in text the language detector did not call English (see
// sentenceActionIn): one alternation fewer on every English sentence.
var foreignRequestCue = fastre.MustCompile(`(?i)\b(bitte|k[öo]nnten sie|k[öo]nntest du|kannst du|k[öo]nnen sie|k[öo]nnt ihr|w[äa]ren sie so (?:nett|freundlich)|w[äa]rst du so (?:nett|lieb)|w[üu]rden sie|por favor|podr[íi]as|podr[íi]a usted|puedes|necesito que|necesitamos que|s'il (te|vous) pla[îi]t|merci de|veuillez|pourriez-vous|pourrais-tu|peux-tu|per favore|potresti|potrebbe|puoi|mi serve|mi servono|mi servirebbe|(?:te|le|os|les) agradecer[íi]a(?:mos)? que|(?:te|le) agradezco que|je (?:te|vous) serais (?:tr[èe]s )?reconnaissante?|(?:ti|le|vi) sarei (?:molto )?grat[oa]|w[äa]re (?:dir|ihnen|euch) (?:sehr )?dankbar|ficaria (?:muito )?grat[oa]|agradecia que|agradec[ií]amos|agradecer[íi]amos|zou het (?:fijn|prettig) vinden als (?:je|u|jij)|ho bisogno d|j'ai besoin d|ich brauche|preciso d(?:[aoe]|iss[oa]|ist[oa]|el[ea]s?)|ik heb [^.?!\n]{0,40} nodig|tu peux|vous pouvez|tu pourrais|vous pourriez|pu[òo] (inviar|mandar|confermar|firmar|chiamar|passar|portar|controllar|verificar)\w*|(me|te) (lo |la |los |las )?(mandas|env[íi]as|pasas|confirmas|firmas|traes|mandes|env[íi]es)|por gentileza|poderia|pode(s)? (me )?(enviar|confirmar)|alsjeblieft|alstublieft|graag|kunt u|kun je|kun jij|kunnen jullie|zou je|zou jij|wil je|wilt u|wil jij|lukt het je|riesci a|riesce a|riusciresti a|riuscirebbe a|ce la faresti|ce la fai|consegues|conseguir[íi]as|schaffst du|arrives-tu|tu arrives [àa]|kan du|kunne du|kan ni|kan dere|vennligst|v[äa]nligen|venligst|sn[äa]lla|ll[áa]m[ae]me|av[íi]s[ae]me|d[íi]game|dime|cont[ée]stame|resp[óo]ndeme|escr[íi]beme|m[áa]ndame|env[íi]ame|conf[íi]rmame|tienes que|hace falta que|pod[ée]s|avisame|decime|mandame|consegue|voc[êe] pode|pode me|me liga|liga-me|ligue-me|me ligue|me responde|responde-me|liga pra (?:ele|ela|mim)|laat (?:maar |gerust )?iets weten|me la mandi|me lo mandi|mi (?:mandi|invii|manda|invia|giri|passi|confermi|prepari)|pe[çc]o(?:-vos| a todos| a cada um)? que|pedimos(?: a todos)? que|(?:te|os|les|le) pido que|je (?:te|vous) demande de|ik vraag (?:je|jullie|u|iedereen) (?:om|dit|dat|vriendelijk)|mandamela|mandamelo|me avisa|avisa-me|avise-me|me diz|diz-me|manda-me|me manda|envia-me|me envia|preciso que|tens de|voc[êe] precisa|appelle-moi|appelez-moi|rappelle-moi|rappelez-moi|dis-moi|dites-moi|pr[ée]viens-moi|pr[ée]venez-moi|envoie-moi|envoyez-moi|r[ée]ponds-moi|r[ée]pondez-moi|tu dois|vous devez|il faut que (?:tu|vous)|ruf mich|rufen sie mich|gib mir bescheid|geben sie mir bescheid|sag mir|sagen sie mir|melde dich|melden sie sich|schick mir|schicken sie mir|du musst|chiamami|richiamami|mi chiami|fammi sapere|mi faccia sapere|dimmi|mi dica|mandami|inviami|rispondimi|devi|bel me|bel mij|laat (?:me|mij|even|ff|het me|het mij) weten|laat (?:je|jij|u|jullie)\b[^.?!]{0,30}\bweten|stuur (?:me|mij)|geef (?:me|mij)|je moet|u moet|moet ik [^.?!]{0,40}weten of|muss ich [^.?!]{0,40}wissen,? ob|necesito saber si|tengo que saber si|devo sapere se|preciso (?:de )?saber se|il faut que je sache si|j'ai besoin de savoir si)\b`)

// ptFormalImperative matches a Portuguese formal imperative that opens a
// clause: "O protocolo ainda não tem a sua assinatura – assine e
// entregue-o na secretaria", "Por favor, preencha o formulário". Only at
// a clause's start, so that the participle of "foi entregue" is no ask.
var ptFormalImperative = lazyRE(`(?i)(?:^|[,;:]\s*|\s[-–—]\s*|\bpor favor,?\s+)(?:assine|entregue|envie|preencha|responda|confirme|ligue|traga|verifique|mande|devolva|pague)(?:-(?:o|a|os|as|me|nos|lhe))?\b`)

// foreignNeedSoon matches the sender saying they need something by a
// time of today or tomorrow, in the same sentence: "Il me faut le
// chiffrage révisé ce soir", "Necesito las fichas impresas mañana
// antes de las 8", "Ich brauche das Angebot heute noch". Group 1 is the
// need.
var foreignNeedSoon = fastre.MustCompile(`(?i)\b(il me faut|il nous faut|j['’]ai besoin d['’e]|nous avons besoin d['’e]|necesito|necesitamos|me hace falta|nos hace falta|ich brauche|wir brauchen|mi serve|mi servono|ci serve|ci servono|ho bisogno d|abbiamo bisogno d|preciso d|precisamos d|ik heb|wij hebben|we hebben)\b[^.?!]{0,40}?[^.?!]{0,40}?\b(?:ce soir|aujourd['’]hui|ce matin|cet apr[èe]s-midi|demain|hoy|esta (?:tarde|noche|noite)|ma[ñn]ana|heute|morgen|oggi|stasera|stamattina|domani|hoje|amanh[ãa]|vandaag|vanavond|vanmiddag)(?:[^\p{L}]|$)`)

// foreignNeedYours matches the sender saying they need the reader's part
// (es/fr/de/pt/it/nl): "il me faut ta partie", "j'ai besoin de vos
// chiffres", "necesito tu firma", "ich brauche deine Zahlen", "mi serve
// la tua firma", "preciso da tua assinatura", "ik heb jouw cijfers nodig".
var foreignNeedYours = fastre.MustCompile(`(?i)\b(?:il me faut|il nous faut|j['’]ai besoin d['’e]|nous avons besoin d['’e]|necesito|necesitamos|me hace falta|nos hace falta|ich brauche|wir brauchen|mi serve|mi servono|ci serve|ci servono|ho bisogno d|abbiamo bisogno d|preciso d|precisamos d)\s*(?:\p{L}+\s+){0,2}(?:ta|ton|tes|votre|vos|tu|tus|su|sus|vuestr[oa]s?|deine[nmrs]?|dein|ihre[nmrs]?|eure[nmrs]?|la tua|il tuo|le tue|i tuoi|la sua|il suo|le sue|i suoi|la vostra|il vostro|tua|teu|tuas|teus|sua|seu|suas|seus)\b|\bik heb (?:je|jouw|uw) [^.?!\n]{0,40}\bnodig\b|\b(?:ich )?br[äa]uchte (?:ich )?(?:von (?:ihnen|dir|euch)|noch)\b`)

// pleaseOpens matches a sentence that opens with another language's
// "please"; pleaseNote the ones that only point at a fact or thank.
var (
	pleaseOpens = fastre.MustCompile(`(?i)^\W*(?:bitte|por favor|per favore|s['’]il (?:te|vous) pla[îi]t|alsjeblieft|alstublieft|por gentileza|merci de|veuillez)\b`)
	pleaseNote  = fastre.MustCompile(`(?i)^\W*(?:bitte|por favor|per favore|s['’]il (?:te|vous) pla[îi]t|alsjeblieft|alstublieft|por gentileza|veuillez)\W+(?:beachte|entschuldig|sehr|sch[öo]n|gerne?|nicht|ten en cuenta|tenga en cuenta|no |non |nota|tenete presente|tenga presente|notez|noter|ne |let op|houd er rekening|n[ãa]o |observe|note)`)
)

// pleasantry matches closing wishes that read as imperatives but ask
// nothing: "Have a nice week.", "Enjoy the weekend!".
var pleasantry = fastre.MustCompile(`(?i)^\W*(have a (nice|great|good|lovely|wonderful|safe)\b|enjoy\b|take care\b|see you\b|talk (to you )?soon\b|stay safe\b|happy (birthday|holidays|new year)\b|(many )?thanks\b|thank you\b|cheers\b|best\b|regards\b)`)

// noActionOnly reports whether s says no action is wanted and holds no
// request phrase outside those words, in English or another language.
func noActionOnly(s string, memo cueMemo) bool {
	sc := memo.of(s)
	if !sc.noAction || sc.request != "" {
		return false
	}
	s = unwrapLines(s)
	return !foreignRequestCue.MatchString(blankSpans(s, noActionCue.FindAllStringIndex(s, -1)))
}

// noActionCue matches phrases that say no action is wanted.
var noActionCue = fastre.MustCompile(`(?i)\b(no action (is )?(required|needed)|no need to|nothing you (need|have) to do|nothing (to do|needed|to decide|for you to do)|no decision (is )?needed|fyi|for your information|just sharing|just wanted to share|no reply (needed|necessary)|do not reply|don't reply|this is an automated|unsubscribe|no rush|no hurry|not urgent|nothing (is )?needed|nothing (further|more|else) (is )?(needed|required)|nothing (further|more|else) (for you )?to do|whenever you (can|get a chance|have time)|when(ever)? you have a (minute|moment)|no pressure|nessuna fretta|senza fretta|non c'è fretta|con calma|sin prisa|no hay prisa|sin urgencia|sem pressa|não há pressa|rien ne presse|pas d'urgence|pas press[ée]|keine eile|kein stress|ohne eile|geen haast|geen haast hoor|hoeft niet snel|aucune action (?:n'est )?(?:requise|n[ée]cessaire)|rien [àa] faire de votre part|keine (?:aktion|handlung) (?:erforderlich|n[öo]tig|notwendig)|kein handlungsbedarf|sie m[üu]ssen nichts (?:tun|unternehmen)|(?:du musst|ihr m[üu]sst|sie m[üu]ssen) (?:also |dann |jetzt )?nichts (?:mehr |weiter )?(?:tun|machen|unternehmen)|(?:tu n['’]as|vous n['’]avez) (?:plus |donc )?rien [àa] faire|no (?:tienes|ten[ée]s|tiene) que hacer nada|non devi (?:fare )?(?:pi[ùu] )?(?:nulla|niente)|n[ãa]o (?:precisas|tens|precisa) (?:de )?fazer (?:mais )?nada|je hoeft (?:dus )?niets (?:meer )?te doen|ninguna acci[óo]n (?:es )?(?:necesaria|requerida)|no (?:es necesario|hace falta) (?:hacer )?nada|nessuna azione (?:[èe] )?(?:richiesta|necessaria)|non (?:serve|occorre) fare (?:nulla|niente)|nenhuma a[çc][ãa]o (?:[ée] )?(?:necess[áa]ria|requerida)|n[ãa]o [ée] necess[áa]ri[ao] (?:qualquer|nenhuma) a[çc][ãa]o|action required:\s*(?:none|no)|n[ãa]o (?:[ée] preciso|precisa) fazer nada|geen actie (?:nodig|vereist)|(?:je|u) hoeft niets te doen|panic over|false alarm|ignore (?:all of that|all that|that|this|my (?:last|previous|earlier) (?:e-?mail|message|mail))|(?:please )?(?:ignore|disregard) (?:the|my|our|this|that)(?: (?:last|previous|earlier|automatic|automated))? (?:reminder|e-?mail|message|mail|notice|letter)|no hace falta que (?:hagas|haga|hagan|hag[áa]is) nada|(?:d[ée]jalo|dejalo),? ya lo hice|(?:don['’]?t|do not|no need to) (?:ring|call|phone|contact|chase) (?:them|him|her)|falsa alarma|fausse alerte|fehlalarm|falso allarme|alarme falso|loos alarm|vals alarm)\b`)

// blankSpans returns s with the byte ranges ms blanked (same length).
func blankSpans(s string, ms [][]int) string {
	if ms == nil {
		return s
	}
	b := []byte(s)
	for _, m := range ms {
		for i := m[0]; i < m[1]; i++ {
			b[i] = ' '
		}
	}
	return string(b)
}

// sentenceCues are the two cue patterns read on one sentence: whether it
// says no action is wanted (noActionCue) and the request phrase it holds
// outside those words (requestCue on s with the noActionCue matches
// blanked, so that the "action needed" of "no action needed" asks
// nothing; "" when none).
type sentenceCues struct {
	noAction bool
	request  string
}

// cuesOf reads sentenceCues on s with one scan of each pattern.
func cuesOf(s string) sentenceCues {
	s = unwrapLines(s) // "não precisas\nde fazer nada": a wrapped line, same offsets
	ms := noActionCue.FindAllStringIndex(s, -1)
	return sentenceCues{noAction: ms != nil, request: requestCue.FindString(blankSpans(s, ms))}
}

// cueMemo keeps the sentenceCues of the sentences of one message: Extract
// reads them on the same sentence up to three times (the action score,
// the explicit-request test, the urgency words), and the two large
// alternations are a good part of its cost.
type cueMemo map[string]sentenceCues

// of returns the sentenceCues of s, read once.
func (m cueMemo) of(s string) sentenceCues {
	c, ok := m[s]
	if !ok {
		c = cuesOf(s)
		m[s] = c
	}
	return c
}

// acceptance is a sentence that only agrees or acknowledges ("Works for
// me.", "Sounds good!", "Talk then."): the model reads some as asks.
var acceptance = lazyRE(`(?i)^\W*(?:that |this |it )?(?:works for me|works|sounds (?:good|great|fine)|got it|will do|noted|agreed|perfect|great|fine by me|talk (?:to you )?then|see you then|speak then|ok|okay|all good|no problem|of course|done|claro|perfecto|vale|d'accord|parfait|entendu|passt|alles klar|geht klar|perfetto|va bene|d'accordo|combinado|perfeito|prima|akkoord|top)\W*$`)

// openingAskRE is "can you", "could you", "would you" or "will you"
// (also with "u") opening a sentence, after at most two words of
// greeting or address: group 1 the word after it.
var openingAskRE = lazyRE(`(?i)^\W*(?:\pL+[\s,]+){0,2}?(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+|pls\s+|just\s+|also\s+)?(\pL+)`)

// notAnAsk are words after "can you" that make a remark, not an ask.
var notAnAsk = map[string]bool{"believe": true, "imagine": true, "guess": true, "see": true, "hear": true, "feel": true, "tell": true, "remember": true, "not": true}

// openingAsk reports whether s opens with openingAskRE and a verb that
// asks something of the reader.
func openingAsk(s string) bool {
	m := openingAskRE.FindStringSubmatch(s)
	return m != nil && !notAnAsk[strings.ToLower(m[1])]
}

// weakRequest are request words that only suggest ("let's talk over the
// holidays"): they do not outweigh an explicit "nothing to decide now".
var weakRequest = map[string]bool{
	"let's": true, "let us": true, "how about": true, "shall we": true, "should we": true,
	"can we": true, "could we": true, "why don't we": true, "i suggest": true, "we suggest": true,
	"i propose": true, "we propose": true, "i recommend": true,
}

// imperative returns the verb that opens s, whose words are ws, as an
// imperative ("Send …", "John, send …"), or "".
func imperative(s string, ws []string) string {
	first := ""
	if len(ws) > 1 {
		first = ws[0]
	}
	// Skip a leading vocative: "John, send ...".
	if i := strings.IndexByte(s, ','); i > 0 && i < 20 {
		if rest := words(s[i+1:]); len(rest) > 0 && imperativeVerbs[rest[0]] {
			first = rest[0]
		}
	}
	// A vocative without its comma, in a terse message: "Devon call me
	// now", "Jane send me the deck". Only before "me", so that "Customers
	// call us every day" stays a statement.
	if len(ws) > 2 && !imperativeVerbs[first] && imperativeVerbs[ws[1]] && ws[2] == "me" && startsUpper(s) {
		first = ws[1]
	}
	// A statement, a dash, then the ask: "Your form still lacks your
	// signature - sign it and hand it in by noon." Only a verb with its
	// object after the dash ("sign it", "send the …"), so that "Update -
	// call volumes are down" stays a statement.
	if !imperativeVerbs[first] {
		if v := dashImperative(s); v != "" {
			first = v
		}
	}
	// "Just reply 'ok' …", "Simply sign here": an adverb before the verb.
	if len(ws) > 2 && leadingAdverb[first] && imperativeVerbs[ws[1]] {
		first = ws[1]
	}
	if imperativeVerbs[first] {
		return first
	}
	return ""
}

// dashImperative returns the verb of an imperative that follows a
// spaced dash in s ("… signature - sign it and …", "- please sign them
// tonight"), when an object
// ("it", "them", "the", "your" …) follows the verb; else "".
func dashImperative(s string) string {
	for _, dash := range []string{" - ", " – ", " — "} {
		i := strings.Index(s, dash)
		if i < 0 {
			continue
		}
		rest := words(s[i+len(dash):])
		// "… link again - please sign them tonight" (blind-53, 2515).
		if len(rest) > 2 && (rest[0] == "please" || rest[0] == "kindly") {
			rest = rest[1:]
		}
		if len(rest) > 1 && imperativeVerbs[rest[0]] && dashObject[rest[1]] {
			return rest[0]
		}
	}
	return ""
}

// dashObject are the words that may follow an imperative verb as the
// start of its object.
var dashObject = map[string]bool{
	"it": true, "them": true, "this": true, "that": true, "these": true, "those": true,
	"the": true, "your": true, "me": true, "us": true, "a": true, "an": true, "him": true, "her": true,
}

// leadingAdverb are words that may stand before an imperative.
var leadingAdverb = map[string]bool{"just": true, "simply": true, "quickly": true, "kindly": true, "also": true}

// startsUpper reports whether the first letter of s is upper case.
func startsUpper(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return unicode.IsUpper(r)
		}
	}
	return false
}

// imperativeVerbs are base-form verbs that open a request.
var imperativeVerbs = map[string]bool{
	"approve": true, "call": true, "send": true, "review": true, "sign": true, "submit": true,
	"check": true, "confirm": true, "reply": true, "respond": true, "forward": true, "fill": true,
	"complete": true, "update": true, "schedule": true, "contact": true, "email": true,
	"give": true, "bring": true, "provide": true, "prepare": true, "remember": true, "consider": true, "attend": true,
	"register": true, "pay": true, "book": true, "join": true, "meet": true, "fix": true,
	"add": true, "remove": true, "delete": true, "verify": true, "ask": true, "tell": true,
	"let": true, "do": true, "don't": true, "dont": true,
	"return": true, "finish": true, "draft": true, "share": true, "print": true,
	"phone": true, "arrange": true, "set": true, "pick": true, "ensure": true, "advise": true,
	"move": true, "cancel": true, "change": true, "sort": true, "handle": true, "process": true,
}

// ruleCues returns the rule signals of one sentence (request cues,
// imperatives, questions, "no action" phrases) and the reason to show.
func ruleCues(s string) (actionmodel.Cues, string) { return ruleCuesWith(s, cuesOf(s)) }

// ruleCuesWith is ruleCues with the sentence's sentenceCues already read.
func ruleCuesWith(s string, sc sentenceCues) (actionmodel.Cues, string) {
	var cues actionmodel.Cues
	reason := ""
	if sc.noAction {
		cues = append(cues, "noaction")
	}
	if m := sc.request; m != "" {
		cues = append(cues, "request")
		reason = "request: " + strings.ToLower(m)
	}
	ws := words(s)
	if first := imperative(s, ws); first != "" {
		cues = append(cues, "imperative")
		if reason == "" {
			reason = "imperative: " + first
		}
	}
	if strings.HasSuffix(strings.TrimSpace(s), "?") {
		cues = append(cues, "question")
		for _, w := range ws {
			if w == "you" || w == "your" {
				cues = append(cues, "question-you")
				if reason == "" {
					reason = "question to you"
				}
				break
			}
		}
		if reason == "" {
			reason = "question"
		}
	}
	return cues, reason
}

// actionModelJSON holds the weights trained by internal/actionmodel/train
// on the Parakweet intent train split (go generate ./extract).
//
//go:generate go run ./internal/actionmodel/train -data ../../shared/data/intent/train-Ask0729-fixed.txt -out data/action_model.json
//go:embed data/action_model.json
var actionModelJSON []byte

var actionModel = sync.OnceValue(func() *actionmodel.Model {
	m, err := actionmodel.Unmarshal(actionModelJSON)
	if err != nil {
		panic("extract: action model: " + err.Error())
	}
	return m
})

// ActionFeatures returns the features the action model reads for one
// sentence; the trainer and the evaluation harness use it.
func ActionFeatures(sentence string) []string {
	s := sanitize(sentence)
	cues, _ := ruleCues(s)
	return actionmodel.Features(s, cues)
}

// sentenceAction returns the probability (0..1) that one sentence asks
// the reader to do something, and the cue behind it.
func sentenceAction(s string) (float64, string) { return sentenceActionIn(s, "en") }

// sentenceActionIn is sentenceAction for a text in language lang (ISO
// 639-1, "und" when unknown): outside English it also reads the
// foreign request words.
func sentenceActionIn(s, lang string) (float64, string) {
	return sentenceActionCues(s, lang, nil)
}

// sentenceActionCues is sentenceActionIn reading the sentence's
// sentenceCues from memo (nil: read them here).
func sentenceActionCues(s, lang string, memo cueMemo) (float64, string) {
	if pleasantry.MatchString(s) || acceptance.MatchString(s) {
		return 0.05, ""
	}
	var sc sentenceCues
	if memo != nil {
		sc = memo.of(s)
	} else {
		sc = cuesOf(s)
	}
	cues, reason := ruleCuesWith(s, sc)
	foreignAsk := false
	if lang != "en" {
		// "tú no tienes que hacer nada" says no action is wanted: its
		// "tienes que" asks nothing.
		t := s
		if sc.noAction {
			t = unwrapLines(s)
			t = blankSpans(t, noActionCue.FindAllStringIndex(t, -1))
		}
		if m := foreignRequestCue.FindString(t); m != "" {
			foreignAsk = true
			cues = append(cues, "request")
			if reason == "" || reason == "request (model)" {
				reason = "request: " + strings.ToLower(m)
			}
		}
	}
	p := actionModel().Prob(actionmodel.Features(s, cues))
	// The model learnt English: on another language's sentence with no
	// request word, question or imperative it reads thanks and news as
	// asks ("Danke, dass du das noch übernommen hast!"), so it alone
	// does not make a request there.
	if len(cues) == 0 && lang != "en" && lang != Undetermined && lang != "" {
		p = min(p, DefaultActionThreshold/2)
	}
	// "Il me faut donc ta partie ce soir", "Ich brauche deine Unterschrift":
	// the sender needs the reader's part, an ask however the model reads
	// the words.
	if lang != "en" {
		if m := foreignNeedYours.FindString(s); m != "" || foreignNeedSoon.MatchString(s) {
			p = max(p, DefaultActionThreshold)
			if m == "" {
				m = foreignNeedSoon.FindStringSubmatch(s)[1]
			}
			if reason == "" || reason == "request (model)" {
				reason = "request: " + strings.ToLower(m)
			}
		}
	}
	// "Bitte markiert bis Freitag eure Favoriten", "Por favor, revisad
	// la lista": a sentence that opens with the language's "please" asks,
	// whatever verb follows (the model knows English verbs only). Not
	// "Bitte beachten Sie …" and its kind, which point at a fact.
	if lang != "en" && pleaseOpens.MatchString(s) && !pleaseNote.MatchString(s) {
		p = max(p, DefaultActionThreshold)
	}
	// "Your form still lacks your signature - sign it and hand it in by
	// then": the ask after the dash is as plain as a sentence opening
	// with it, however long the statement before.
	if lang == "en" && dashImperative(s) != "" {
		p = max(p, DefaultActionThreshold)
	}
	if lang == "pt" && ptFormalImperative.MatchString(s) {
		p = max(p, DefaultActionThreshold)
		if reason == "" || reason == "request (model)" {
			reason = "request: " + strings.TrimLeft(strings.ToLower(ptFormalImperative.FindString(s)), ",;:–—- ")
		}
	}
	if foreignAsk {
		p = max(p, DefaultActionThreshold)
	}
	// A sentence that opens with a verb and carries a request phrase
	// ("Call me asap - the container is held at customs and …") asks,
	// however long the reason after it: the model's words-in-sentence
	// features dilute it.
	if slices.Contains(cues, "imperative") && slices.Contains(cues, "request") {
		p = max(p, DefaultActionThreshold)
	}
	// "alright tiago can you grab 2 x 100m drums … on your way in
	// tomorrow": a question that opens with "can you" after at most a
	// greeting and a name asks, however the model reads the parts list
	// after it (blind-117, 5073 was p 0.39). Not "can you believe it".
	if lang == "en" && openingAsk(s) {
		p = max(p, DefaultActionThreshold)
	}
	if reason == "" {
		reason = "request (model)"
	}
	return p, reason
}

// RequiresAction reports whether one sentence asks the reader to act, by
// the rules Extract applies to each sentence. It is safe for concurrent
// use.
func RequiresAction(sentence string) bool {
	p, _ := sentenceAction(sanitize(sentence))
	return p >= DefaultActionThreshold
}
