package extract

import (
	"strings"

	"github.com/doctales/doctales/extract/internal/fastre"
)

// minDateLanguageScore is the language detector's confidence from which the
// dates of a message are read in its language as well as in English. Below
// it, or for a language without an entry in dateLanguages, only English is
// read: every language given to the date parser costs time on every
// sentence it parses.
const minDateLanguageScore = 0.5

// dateLang holds what findDates needs to read dates in one language other
// than English; English is always read too, since mail mixes the two.
type dateLang struct {
	// trigger finds the words that may start a date ("viernes", "morgen").
	trigger *fastre.Regexp
	// cueBefore is a deadline cue just before a date ("antes del", "bis").
	cueBefore *fastre.Regexp
	// past marks a past-tense clause; future one that is not.
	past, future *fastre.Regexp
	// endOfDay and endOfWeek are this language's end-of-business-day and
	// end-of-week expressions; endOfWeek's group "next" is set for next
	// week's.
	endOfDay, endOfWeek *fastre.Regexp
}

// w builds a case-insensitive regexp that matches one of the alternatives
// (a |-separated list, spaces allowed) as whole words. Go's \b knows ASCII
// only, so the word boundaries are written out.
func w(alts string) *fastre.Regexp {
	return fastre.MustCompile(`(?i)(?:^|[^\p{L}\p{N}'’])(` + alts + `)(?:[^\p{L}\p{N}]|$)`)
}

// dateLanguages are the languages, besides English, whose dates are read
// when the detector is confident of them.
var dateLanguages = map[string]*dateLang{
	"es": {
		trigger:   w(`\d{1,2}-\d{1,2}(?:-\d{2,4})?|\d{1,2} (?:a más tardar|como muy tarde)|hoy|mañana|pasado mañana|ayer|lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|mediodía|medianoche|próxima semana|semana que viene|a las \d{1,2}`),
		cueBefore: fastre.MustCompile(`(?i)(?:^|[^\p{L}])(antes del?|hasta( el)?|para( el)?|a más tardar( el)?|como muy tarde( el)?|como tarde( el)?|nueva fecha( límite)?[^.;!?:]{0,30}:|nuevo plazo[^.;!?:]{0,30}:|plazo( sigue siendo| es| termina| acaba| vence| finaliza)?( el)?|pasan? al?|se aplazan? al?|aplazad[oa]s? al?|se pospone(n)? al?|fecha límite|vence( el)?|vencimiento|caduca( el)?|expira( el)?|no más tarde del?)[^.;!?]{0,16}$`),
		past:      w(`fue|fueron|era|eran|estaba|había|hubo|pasado|pasada|ayer|hace|venció|vencía|recibí|recibimos|envié|enviamos|enviaste|pagué|pagamos`),
		future:    w(`será|va a|vamos a|próximo|próxima|que viene|mañana|hasta|por favor|necesito|necesitamos|tienes que|debe|deben`),
		endOfDay:  w(`(?:al )?final del día|fin del día|cierre del día`),
		endOfWeek: w(`finales? de la (?P<next>próxima semana|semana que viene)|finales de (?:esta|la) semana|final de (?:esta|la) semana`),
	},
	"fr": {
		trigger:   w(`\d{1,2}-\d{1,2}(?:-\d{2,4})?|\d{1,2}(?:er)? au plus tard|aujourd'hui|aujourd’hui|demain|après-demain|hier|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|midi|minuit|semaine prochaine|\d{1,2} ?h(?: ?\d{2})?`),
		cueBefore: fastre.MustCompile(`(?i)(?:^|[^\p{L}])(avant( le)?|d['’]ici( le| à)?|jusqu['’]à|jusqu['’]au|au plus tard( le)?|date limite|échéance|pour( le)?|dernier délai|d[ûu]e? le|expirera( le)?|prend fin( le)?|nouvelle (date|échéance)( limite)?[^.;!?:]{0,30}:|report[ée]e?s? (au|à)|décalée?s? (au|à)|repoussée?s? (au|à))[^.;!?]{0,16}$`),
		past:      w(`était|étaient|a été|avait|avions|aviez|avaient|dernier|dernière|hier|il y a|passé|passée|reçu|envoyé|payé`),
		future:    w(`sera|seront|va|allons|prochain|prochaine|demain|avant|d'ici|d’ici|merci de|pourriez|pouvez|peux|faut|doit|doivent`),
		endOfDay:  w(`(?:en |à la )?fin de (?:la )?journée`),
		endOfWeek: w(`fin de la (?P<next>semaine prochaine)|fin de (?:la|cette) semaine`),
	},
	"de": {
		trigger:   w(`\d{1,2}-\d{1,2}(?:-\d{2,4})?|heute|morgen|übermorgen|gestern|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag|januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|mittag|mitternacht|nächste woche|nächsten woche|\d{1,2} ?uhr|um \d{1,2}`),
		cueBefore: fastre.MustCompile(`(?i)(?:^|[^\p{L}])(bis( zum| spätestens| zur)?|spätestens( am| bis)?|frist[^.;!?:]{0,30}:|frist|fällig( am)?|abgabe( am)?|deadline|läuft( am)?|endet( am)?|verfällt( am)?|verschoben auf|verlegt auf|neue[rs]? (termin|frist|abgabe(termin)?|datum)[^.;!?:]{0,30}:)[^.;!?]{0,16}$`),
		past:      w(`war|waren|hatte|hatten|wurde|wurden|gestern|letzten|letzte|letztes|vorigen|vergangenen|vergangene|erhalten|geschickt|bezahlt`),
		future:    w(`wird|werden|nächsten|nächste|nächstes|kommenden|morgen|bis|bitte|muss|müssen|soll|sollte`),
		endOfDay:  w(`(?:bis )?(?:zum )?(?:tagesende|feierabend|ende des tages|dienstschluss|geschäftsschluss)`),
		endOfWeek: w(`ende (?P<next>nächster|der nächsten) woche|ende (?:der|dieser) woche`),
	},
	"pt": {
		trigger:   w(`\d{1,2}-\d{1,2}(?:-\d{2,4})?|\d{1,2} (?:no máximo|o mais tardar)|hoje|amanhã|amanha|depois de amanhã|ontem|segunda|terça|terca|quarta|quinta|sexta|sábado|sabado|domingo|janeiro|fevereiro|março|marco|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro|meio-dia|meia-noite|próxima semana|\d{1,2} ?h(?:\d{2})?|às \d{1,2}`),
		cueBefore: fastre.MustCompile(`(?i)(?:^|[^\p{L}])(at[ée]( a| o| à| ao)?|antes d[aeo]|prazo|o mais tardar|vence( a| em| no)?|vencimento( em| a| no)?|expira( a| em| no)?|caduca( a| em| no)?|data limite|para( a| o)?|novo prazo[^.;!?:]{0,30}:|nova data[^.;!?:]{0,30}:|adiad[oa]s? para|passa(m)? para)[^.;!?]{0,16}$`),
		past:      w(`foi|foram|era|eram|estava|tinha|tinham|houve|passado|passada|ontem|venceu|recebi|recebemos|enviei|enviamos|paguei`),
		future:    w(`será|vai|vamos|próximo|próxima|amanhã|até|por favor|preciso|precisamos|deve|devem`),
		endOfDay:  w(`(?:ao |até o )?(?:fim|final) do dia`),
		endOfWeek: w(`(?:fim|final) da (?P<next>próxima semana)|(?:fim|final) da semana`),
	},
	"it": {
		trigger:   w(`\d{1,2}-\d{1,2}(?:-\d{2,4})?|\d{1,2} al più tardi|oggi|domani|dopodomani|ieri|lunedì|lunedi|martedì|martedi|mercoledì|mercoledi|giovedì|giovedi|venerdì|venerdi|sabato|domenica|gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre|mezzogiorno|mezzanotte|prossima settimana|alle \d{1,2}`),
		cueBefore: fastre.MustCompile(`(?i)(?:^|[^\p{L}])(entro( il| le| la)?|prima d[ie]l?|scadenza|non oltre( il)?|al più tardi( il)?|per( il)?|scade( il| l['’])?|nuova (scadenza|data)[^.;!?:]{0,30}:|rinviat[oa] a[l]?|spostat[oa] a[l]?)[^.;!?]{0,16}$`),
		past:      w(`era|erano|fu|aveva|avevano|è stato|è stata|scorso|scorsa|ieri|fa|scaduto|scaduta|ricevuto|inviato|pagato`),
		future:    w(`sarà|saranno|va|prossimo|prossima|domani|entro|per favore|devi|dobbiamo|deve|devono`),
		endOfDay:  w(`(?:entro )?(?:la )?fine (?:della )?giornata`),
		endOfWeek: w(`fine della (?P<next>prossima settimana|settimana prossima)|fine (?:della|di questa) settimana`),
	},
	"nl": {
		trigger:   w(`\d{1,2}-\d{1,2}(?:-\d{2,4})?|\d{1,2} (?:op zijn laatst|ten laatste)|vandaag|morgen|overmorgen|gisteren|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|middernacht|volgende week|\d{1,2} ?uur|om \d{1,2}`),
		cueBefore: fastre.MustCompile(`(?i)(?:^|[^\p{L}])(voor|vóór|tegen|uiterlijk( op)?|tot( en met)?|deadline|ten laatste( op)?|uiterste datum|vervalt( op)?|vervaldatum|verloopt( op)?|loopt( op)?|nieuwe (datum|deadline|termijn)[^.;!?:]{0,30}:|verschoven naar|verzet naar)[^.;!?]{0,16}$`),
		past:      w(`was|waren|had|hadden|werd|werden|vorige|afgelopen|gisteren|geleden|ontvangen|gestuurd|betaald`),
		future:    w(`wordt|zal|zullen|gaat|volgende|komende|morgen|voor|uiterlijk|graag|alsjeblieft|moet|moeten`),
		endOfDay:  w(`(?:aan het )?(?:eind|einde) van de (?:werk)?dag`),
		endOfWeek: w(`(?:eind|einde) van (?P<next>volgende) week|(?:eind|einde) van (?:de|deze) week`),
	},
	// The Scandinavian languages: the detector answers "sv", "da" and "no"
	// (Norwegian, read as Bokmål: the date parser's "nb").
	"sv": {
		trigger:   w(`idag|i dag|imorgon|i morgon|i övermorgon|igår|i går|måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag|januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december|midnatt|nästa vecka|kl\.? ?\d{1,2}`),
		cueBefore: fastre.MustCompile(`(?i)(?:^|[^\p{L}])(senast( på| den)?|innan|före|sista dag[^.;!?:]{0,30}:|frist[^.;!?:]{0,30}:|deadline|sista dag(en)?|förfaller( den)?)[^.;!?]{0,16}$`),
		past:      w(`var|hade|blev|förra|förrförra|igår|i går|sedan|fick|skickade|betalade`),
		future:    w(`ska|kommer att|blir|nästa|kommande|imorgon|i morgon|senast|innan|vänligen|snälla|måste|behöver`),
		endOfDay:  w(`(?:innan |före |till )?(?:dagens|arbetsdagens) slut|(?:innan |före )?slutet av dagen`),
		endOfWeek: w(`slutet av (?P<next>nästa) vecka|slutet av (?:veckan|denna vecka)`),
	},
	"no": {
		trigger:   w(`idag|i dag|imorgen|i morgen|i overmorgen|igår|i går|mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag|januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember|midnatt|neste uke|kl\.? ?\d{1,2}`),
		cueBefore: fastre.MustCompile(`(?i)(?:^|[^\p{L}])(innen( på| den)?|senest( på| den)?|før|frist[^.;!?:]{0,30}:|frist(en)?|deadline|forfaller( den)?)[^.;!?]{0,16}$`),
		past:      w(`var|hadde|ble|forrige|i går|igår|siden|fikk|sendte|betalte`),
		future:    w(`skal|kommer til å|blir|neste|kommende|i morgen|imorgen|innen|senest|vennligst|må|trenger`),
		endOfDay:  w(`(?:innen |før )?(?:slutten av (?:arbeids)?dagen|dagens slutt|arbeidsdagens slutt)`),
		endOfWeek: w(`slutten av (?P<next>neste) uke|slutten av (?:uken|denne uken)`),
	},
	"da": {
		trigger:   w(`idag|i dag|imorgen|i morgen|i overmorgen|igår|i går|mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag|januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december|midnat|næste uge|kl\.? ?\d{1,2}`),
		cueBefore: fastre.MustCompile(`(?i)(?:^|[^\p{L}])(inden( på| den)?|senest( på| den)?|før|frist[^.;!?:]{0,30}:|frist(en)?|deadline|forfalder( den)?)[^.;!?]{0,16}$`),
		past:      w(`var|havde|blev|sidste|forrige|i går|igår|siden|fik|sendte|betalte`),
		future:    w(`skal|vil|bliver|næste|kommende|i morgen|imorgen|inden|senest|venligst|må|skal bruge`),
		endOfDay:  w(`(?:inden |før )?(?:slutningen af (?:arbejds)?dagen|dagens afslutning|fyraften)`),
		endOfWeek: w(`slutningen af (?P<next>næste) uge|slutningen af (?:ugen|denne uge)`),
	},
}

// dateLanguage returns the language whose dates are read besides English:
// the detected one when dateLanguages has it and the detector is confident,
// else "".
func dateLanguage(lang string, score float64) string {
	if _, ok := dateLanguages[lang]; ok && score >= minDateLanguageScore {
		return lang
	}
	return ""
}

// timeOfDay finds a time of day in the languages of dateLanguages, which the
// date parser reads badly there ("Freitag 12 Uhr" is a month to it): hours
// with a unit ("12 Uhr", "17h30", "12 uur", Flemish "14u" and "9u30"),
// after a preposition ("a las 5",
// "alle 12"), hh:mm, noon and midnight, and "las 7 de la tarde". The groups are the hour, the
// minutes, noon, midnight and an afternoon marker. A bare hour after a
// preposition may end the sentence ("entro domani alle 12.", blind-85,
// 3826 was the day's end of business); "alle 12.30" stays hh.mm. A preposition counts
// only as a word of its own (the "as" of "las 17h" is not Portuguese "as").
var timeOfDay = fastre.MustCompile(`(?i)(?:(?:^|[^\p{L}])(?:à|a las|a la|alle|às|as|um|om|ore|gegen)\s+)?(?:(\d{1,2})(?:(?:\s?h\s?|:|\.|u)(\d{2})(?:\s?(?:h|hrs?|horas|uhr|uur)\b)?|\s?(?:uhr|uur|h|heures?|hrs?)(?:[^\p{L}]|$)|u(?:[^\p{L}]|$))|(\d{1,2}):(\d{2})|(?:(?:^|[^\p{L}])(?:(?:a las|alle(?:\s+ore)?|às|om|um|entro le(?:\s+ore)?|prima delle(?:\s+ore)?|per le(?:\s+ore)?)\s+|kl\.?\s*))(\d{1,2})(?:[^\p{L}\p{N}:.]|\.(?:\s|$)|$)|(midi|mediodía|mediodia|mittag|mezzogiorno|meio-dia|middag)|(minuit|medianoche|mitternacht|mezzanotte|meia-noite|middernacht)|(?:(?:^|[^\p{L}])las\s+)(\d{1,2})\s+(de la tarde|de la noche))(\s*(?:de la tarde|de la noche|du soir|de l'après-midi|nachmittags|abends|da tarde|da noite|del pomeriggio|di sera|'s middags|'s avonds|pm|p\.m\.))?`)

// clockTime reads a timeOfDay match: its hour and minute.
func clockTime(m []string) (h, min int, ok bool) {
	atoi := func(s string) int {
		n := 0
		for _, r := range s {
			n = n*10 + int(r-'0')
		}
		return n
	}
	switch {
	case m[1] != "":
		h, min = atoi(m[1]), atoi(m[2])
	case m[3] != "":
		h, min = atoi(m[3]), atoi(m[4])
	case m[5] != "":
		h = atoi(m[5])
	case m[6] != "":
		h = 12
	case m[7] != "":
		h = 0
	case m[8] != "":
		// "antes de las 7 de la tarde": bare "las 7" is too often a
		// count ("una de las 3 opciones"), so only with its part of day
		// (m[9]), always after noon.
		h = atoi(m[8])
		if h < 12 {
			h += 12
		}
	default:
		return 0, 0, false
	}
	if m[10] != "" && h < 12 {
		h += 12
	}
	return h, min, h < 24 && min < 60
}

// weekdayNames are the names of the days of the week in English and the
// languages of dateLanguages, lower case, by time.Weekday.
var weekdayNames = map[string]int{}

func init() {
	for i, names := range []string{
		"sunday domingo dimanche sonntag domenica zondag söndag søndag",
		"monday lunes lundi montag segunda segunda-feira lunedì lunedi maandag måndag mandag",
		"tuesday martes mardi dienstag terça terca terça-feira martedì martedi dinsdag tisdag tirsdag",
		"wednesday miércoles miercoles mercredi mittwoch quarta quarta-feira mercoledì mercoledi woensdag onsdag",
		"thursday jueves jeudi donnerstag quinta quinta-feira giovedì giovedi donderdag torsdag",
		"friday viernes vendredi freitag sexta sexta-feira venerdì venerdi vrijdag fredag",
		"saturday sábado sabado samedi samstag sonnabend sabato zaterdag lördag lørdag",
	} {
		for _, n := range strings.Fields(names) {
			weekdayNames[n] = i
		}
	}
}

// Modifiers of a day of the week: the previous one ("last Friday"), the one
// of next week ("next Friday"), the coming one ("this Friday").
var (
	lastModifier = fastre.MustCompile(`(?i)(?:^|[^\p{L}])(last|past|previous|pasado|pasada|dernier|dernière|letzten|letzte|letztes|vorigen|vergangenen|passado|passada|scorso|scorsa|vorige|afgelopen|förra|forrige|sidste)(?:[^\p{L}]|$)`)
	nextModifier = fastre.MustCompile(`(?i)(?:^|[^\p{L}])(next|próximo|próxima|proximo|proxima|que viene|prochain|prochaine|nächsten|nächste|nächstes|prossimo|prossima|volgende|nästa|neste|næste)(?:[^\p{L}]|$)`)
	thisModifier = fastre.MustCompile(`(?i)(?:^|[^\p{L}])(this|coming|upcoming|este|esta|ce|cette|diesen|dieser|dieses|kommenden|questo|questa|deze|komende|denna|denne|kommande|kommende)(?:[^\p{L}]|$)`)
)
