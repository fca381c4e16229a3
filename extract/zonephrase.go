package extract

import (
	"strings"
	"time"

	"github.com/doctales/doctales"
)

// Whose clock a time is written in, when the sender says it in words:
// "by Friday your time", "09:30 London time", "antes de las 10:00 hora de
// México", "entro le 19 ora italiana", "bis 18 Uhr deutscher Zeit". The
// date parser cannot read these phrases (they split the date for it), so
// they are blanked before it runs, and the dates beside them are then
// moved into the zone they name (blind-51: five of its forty messages
// wrote a deadline in the reader's or a named city's clock).

// zonePhrase matches a phrase naming whose clock a time is in. Group 1
// is the reader's ("your time", "tu hora", "votre heure", "deiner Zeit",
// "tua ora", "seu horário", "jouw tijd"), group 3 the sender's ("my
// time", "local time", "hora local"), group 4 a place ("London time",
// "hora de México", "heure de Paris", "Berliner Zeit", "ora italiana",
// "hora de Brasília", "Nederlandse tijd").
var zonePhrase = lazyRE(`(?i)(?:^|[^\p{L}])((` +
	// The reader's clock.
	`(?:your|ur)\s+time|(?:tu|su|vuestra)\s+hora|hora\s+(?:tuya|suya)|(?:votre|ton)\s+heure|(?:deiner|ihrer|eurer)\s+zeit|(?:tua|sua|vostra)\s+ora|ora\s+(?:tua|vostra)|(?:tuo|vostro)\s+orario|(?:seu|teu)\s+hor[áa]rio|(?:sua|tua)\s+hora|(?:jouw|uw|jullie)\s+tijd` +
	`)|(` +
	// The sender's own clock: the message's zone already.
	`(?:my|our|their|his|her|local)\s+time|(?:mi|nuestra)\s+hora|hora\s+local|(?:mon|notre)\s+heure|heure\s+locale|(?:meiner|unserer)\s+zeit|ortszeit|(?:mia|nostra)\s+ora|ora\s+locale|(?:meu|nosso)\s+hor[áa]rio|hor[áa]rio\s+local|(?:mijn|onze)\s+tijd|lokale\s+tijd` +
	`)|(` +
	// A place's clock.
	`(?:uk|british|london|irish|dublin|lisbon|portugal|portuguese|paris|french|france|berlin|german|germany|madrid|spain|spanish|italy|italian|rome|milan|amsterdam|dutch|brussels|belgian|zurich|swiss|vienna|stockholm|oslo|copenhagen|helsinki|warsaw|athens|istanbul|dubai|india|indian|mumbai|delhi|bangalore|singapore|hong\s+kong|beijing|shanghai|china|tokyo|japan|seoul|sydney|melbourne|brisbane|perth|auckland|new\s+zealand|nz|new\s+york|nyc|ny|east\s+coast|west\s+coast|chicago|california|toronto|vancouver|mexico\s+city|mexico|cdmx|s[ãa]o\s+paulo|brazil|brazilian|buenos\s+aires|bogot[áa]|lima|santiago)\s+time` +
	`|hora\s+(?:de\s+)?(?:m[ée]xico|cdmx|ciudad\s+de\s+m[ée]xico|madrid|espa[ñn]a|canarias|lisboa|portugal|brasil|bras[íi]lia|s[ãa]o\s+paulo|buenos\s+aires|argentina|bogot[áa]|colombia|lima|per[úu]|santiago|chile|nueva\s+york|londres)` +
	`|hora\s+(?:peninsular|espa[ñn]ola|mexicana|argentina|colombiana|chilena|peruana|canaria|portuguesa|de\s+portugal)` +
	`|hor[áa]rio\s+(?:de\s+|da\s+|do\s+)?(?:bras[íi]lia|lisboa|portugal|s[ãa]o\s+paulo|brasil)` +
	`|heure\s+(?:de\s+)?(?:paris|montr[ée]al|qu[ée]bec|londres|new\s+york|bruxelles|gen[èe]ve|lisbonne|madrid)|heure\s+(?:fran[çc]aise|de\s+france|belge|suisse|qu[ée]b[ée]coise)` +
	`|(?:deutscher|deutsche|mitteleurop[äa]ischer|berliner|wiener|schweizer|[öo]sterreichischer|londoner|new\s+yorker|britischer|englischer)\s+zeit` +
	`|ora\s+(?:italiana|di\s+(?:roma|milano|londra|new\s+york|parigi|madrid|lisbona))|orario\s+italiano` +
	`|(?:nederlandse|belgische|engelse|britse|amerikaanse|duitse)\s+tijd` +
	`))(?:[^\p{L}]|$)`)

// placeZones are the zones of zonePhrase's places, by the place's first
// word(s) as written, lower-cased with single spaces.
var placeZones = map[string]string{
	"uk": "Europe/London", "british": "Europe/London", "london": "Europe/London", "londres": "Europe/London", "londra": "Europe/London", "londoner": "Europe/London", "britischer": "Europe/London", "englischer": "Europe/London", "engelse": "Europe/London", "britse": "Europe/London",
	"irish": "Europe/Dublin", "dublin": "Europe/Dublin",
	"lisbon": "Europe/Lisbon", "lisboa": "Europe/Lisbon", "lisbonne": "Europe/Lisbon", "lisbona": "Europe/Lisbon", "portugal": "Europe/Lisbon", "portuguese": "Europe/Lisbon", "portuguesa": "Europe/Lisbon",
	"paris": "Europe/Paris", "parigi": "Europe/Paris", "french": "Europe/Paris", "france": "Europe/Paris", "française": "Europe/Paris", "francaise": "Europe/Paris",
	"berlin": "Europe/Berlin", "berliner": "Europe/Berlin", "german": "Europe/Berlin", "germany": "Europe/Berlin", "deutscher": "Europe/Berlin", "deutsche": "Europe/Berlin", "duitse": "Europe/Berlin", "mitteleuropäischer": "Europe/Berlin", "mitteleuropaischer": "Europe/Berlin",
	"madrid": "Europe/Madrid", "spain": "Europe/Madrid", "spanish": "Europe/Madrid", "españa": "Europe/Madrid", "espana": "Europe/Madrid", "peninsular": "Europe/Madrid", "española": "Europe/Madrid", "espanola": "Europe/Madrid", "canarias": "Atlantic/Canary", "canaria": "Atlantic/Canary",
	"italy": "Europe/Rome", "italian": "Europe/Rome", "italiana": "Europe/Rome", "italiano": "Europe/Rome", "rome": "Europe/Rome", "roma": "Europe/Rome", "milan": "Europe/Rome", "milano": "Europe/Rome",
	"amsterdam": "Europe/Amsterdam", "dutch": "Europe/Amsterdam", "nederlandse": "Europe/Amsterdam",
	"brussels": "Europe/Brussels", "bruxelles": "Europe/Brussels", "belgian": "Europe/Brussels", "belge": "Europe/Brussels", "belgische": "Europe/Brussels",
	"zurich": "Europe/Zurich", "swiss": "Europe/Zurich", "suisse": "Europe/Zurich", "schweizer": "Europe/Zurich", "genève": "Europe/Zurich", "geneve": "Europe/Zurich",
	"vienna": "Europe/Vienna", "wiener": "Europe/Vienna", "österreichischer": "Europe/Vienna", "osterreichischer": "Europe/Vienna",
	"stockholm": "Europe/Stockholm", "oslo": "Europe/Oslo", "copenhagen": "Europe/Copenhagen", "helsinki": "Europe/Helsinki", "warsaw": "Europe/Warsaw", "athens": "Europe/Athens", "istanbul": "Europe/Istanbul",
	"dubai": "Asia/Dubai", "india": "Asia/Kolkata", "indian": "Asia/Kolkata", "mumbai": "Asia/Kolkata", "delhi": "Asia/Kolkata", "bangalore": "Asia/Kolkata",
	"singapore": "Asia/Singapore", "hong kong": "Asia/Hong_Kong", "beijing": "Asia/Shanghai", "shanghai": "Asia/Shanghai", "china": "Asia/Shanghai", "tokyo": "Asia/Tokyo", "japan": "Asia/Tokyo", "seoul": "Asia/Seoul",
	"sydney": "Australia/Sydney", "melbourne": "Australia/Melbourne", "brisbane": "Australia/Brisbane", "perth": "Australia/Perth", "auckland": "Pacific/Auckland", "new zealand": "Pacific/Auckland", "nz": "Pacific/Auckland",
	"new york": "America/New_York", "nyc": "America/New_York", "ny": "America/New_York", "east coast": "America/New_York", "nueva york": "America/New_York", "new yorker": "America/New_York", "amerikaanse": "America/New_York",
	"west coast": "America/Los_Angeles", "california": "America/Los_Angeles", "chicago": "America/Chicago",
	"toronto": "America/Toronto", "vancouver": "America/Vancouver", "montréal": "America/Toronto", "montreal": "America/Toronto", "québec": "America/Toronto", "quebec": "America/Toronto", "québécoise": "America/Toronto", "quebecoise": "America/Toronto",
	"mexico city": "America/Mexico_City", "mexico": "America/Mexico_City", "méxico": "America/Mexico_City", "cdmx": "America/Mexico_City", "ciudad de méxico": "America/Mexico_City", "ciudad de mexico": "America/Mexico_City", "mexicana": "America/Mexico_City",
	"são paulo": "America/Sao_Paulo", "sao paulo": "America/Sao_Paulo", "brazil": "America/Sao_Paulo", "brazilian": "America/Sao_Paulo", "brasil": "America/Sao_Paulo", "brasília": "America/Sao_Paulo", "brasilia": "America/Sao_Paulo",
	"buenos aires": "America/Argentina/Buenos_Aires", "argentina": "America/Argentina/Buenos_Aires",
	"bogotá": "America/Bogota", "bogota": "America/Bogota", "colombia": "America/Bogota", "colombiana": "America/Bogota",
	"lima": "America/Lima", "perú": "America/Lima", "peru": "America/Lima", "peruana": "America/Lima",
	"santiago": "America/Santiago", "chile": "America/Santiago", "chilena": "America/Santiago",
}

// placeLead is what comes before a place in zonePhrase's group 4.
var placeLead = lazyRE(`(?i)^(?:hora|hor[áa]rio|heure|ora|orario)\s+(?:(?:de|da|do|di)\s+)?`)

// placeTail is what comes after a place in zonePhrase's group 4.
var placeTail = lazyRE(`(?i)\s+(?:time|zeit|tijd)$`)

// zoneOfPhrase returns the zone a zonePhrase match names: the reader's
// (reader, which may be nil when none is known), none for the sender's
// own (nil, false), or a place's.
func zoneOfPhrase(g []string, reader *time.Location) (*time.Location, bool) {
	switch {
	case g[2] != "":
		return reader, reader != nil
	case g[3] != "":
		return nil, false
	}
	p := strings.ToLower(strings.Join(strings.Fields(g[4]), " "))
	p = placeTail.ReplaceAllString(placeLead.ReplaceAllString(p, ""), "")
	name, ok := placeZones[p]
	if !ok {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	return loc, true
}

// blankZonePhrases blanks zonePhrase's phrases in s, keeping offsets,
// but not one that a zone in parentheses follows ("10am your time
// (CET)": the parser reads that zone with it).
func blankZonePhrases(s string) string {
	ms := zonePhrase.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s
	}
	b := []byte(s)
	for _, m := range ms {
		if strings.HasPrefix(strings.TrimLeft(s[m[3]:], " "), "(") {
			continue
		}
		for i := m[2]; i < m[3]; i++ {
			b[i] = ' '
		}
	}
	return string(b)
}

// zoneGapBefore is what may stand between a date and the zone phrase
// after it: "09:30 your time", "Friday, your time", "(10am London time)".
var zoneGapBefore = lazyRE(`^[\s,(]*$`)

// zoneGapAfter is what may stand between a zone phrase and the day
// after it: "10:00 hora de México de mañana", "19 ora italiana di oggi".
var zoneGapAfter = lazyRE(`(?i)^[\s)]*(?:de|di|del|du|on|of|van|vom|am)?\s*$`)

// relDayAfterZone is today (group 1) or tomorrow (group 2) just after a
// zone phrase: "10:00 hora de México de mañana", "19 ora italiana di oggi".
var relDayAfterZone = lazyRE(`(?i)^[\s,)]*(?:(?:de|di|del|of|on|von|van|du)\s+)?(?:(today|tonight|hoy|oggi|stasera|aujourd'hui|ce soir|heute|hoje|vandaag|vanavond)|(tomorrow|ma[ñn]ana|domani|demain|morgen|amanh[ãa]))(?:[^\p{L}]|$)`)

// zonedDates moves each date of s beside a zone phrase into the zone it
// names: its day and clock as written, read on that zone's clock, then
// written in the message's zone like every date. A lone clock ("09:30
// your time") is that clock's next occurrence on the named zone's day
// of the message, since the parser put it on the message zone's day.
func zonedDates(found []doctales.DateMention, s span, dc dateContext) {
	if len(found) == 0 || !strings.Contains(s.text, " ") {
		return
	}
	ms := zonePhrase.FindAllStringSubmatchIndex(s.text, -1)
	for _, m := range ms {
		if zoneAbbrevAfter.MatchString(s.text[m[1]:]) || strings.HasPrefix(strings.TrimLeft(s.text[m[3]:], " "), "(") {
			continue // "your time (CET)": the abbreviation rules
		}
		g := groupsOf(s.text, m)
		loc, ok := zoneOfPhrase(g, dc.reader)
		if !ok {
			continue
		}
		pb, pe := s.start+m[2], s.start+m[3]
		for i := range found {
			d := &found[i]
			inside := d.BeginOffset <= pb && d.EndOffset >= pe
			before := d.EndOffset <= pb && pb-d.EndOffset <= 4 && zoneGapBefore.MatchString(s.text[d.EndOffset-s.start:m[2]])
			after := d.BeginOffset >= pe && d.BeginOffset-pe <= 6 && zoneGapAfter.MatchString(s.text[m[3]:d.BeginOffset-s.start])
			if !inside && !before && !after || d.Precision != "minute" && d.Precision != "hour" && !d.Deadline {
				continue // (a day that is no deadline stays the calendar's day)
			}
			own := d.Text // the date's own words, less the phrase ("5pm UK time on Friday")
			if inside && pe-d.BeginOffset <= len(own) {
				own = own[:pb-d.BeginOffset] + own[pe-d.BeginOffset:]
			}
			if namesZone(own) {
				continue // "10am CET your time": the abbreviation rules
			}
			if before && (d.Precision == "minute" || d.Precision == "hour") {
				// "antes de las 10:00 hora de México de mañana": the day
				// after the phrase is the clock's, on that zone's calendar.
				if r := relDayAfterZone.FindStringSubmatchIndex(s.text[m[3]:]); r != nil {
					day := dc.ref.In(loc)
					if r[4] >= 0 {
						day = day.AddDate(0, 0, 1)
					}
					wall := d.Time.In(dc.ref.Location())
					d.Time = time.Date(day.Year(), day.Month(), day.Day(), wall.Hour(), wall.Minute(), 0, 0, loc).In(dc.ref.Location())
					continue
				}
			}
			d.Time = inZone(d, loc, dc.ref)
		}
	}
}

// inZone returns d's time read on loc's clock (see zonedDates).
func inZone(d *doctales.DateMention, loc *time.Location, ref time.Time) time.Time {
	wall := d.Time.In(ref.Location())
	if (d.Precision == "minute" || d.Precision == "hour") && loneClock.MatchString(d.Text) {
		day := ref.In(loc)
		t := time.Date(day.Year(), day.Month(), day.Day(), wall.Hour(), wall.Minute(), 0, 0, loc)
		if moved := dayOf(wall).After(dayOf(ref)); moved && t.Before(ref) {
			t = t.AddDate(0, 0, 1) // asked for a clock already past there too
		}
		return t.In(ref.Location())
	}
	return time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), 0, 0, loc).In(ref.Location())
}

// mayZonePhrase is zonePhrase's cheap gate: the words its phrases end
// or begin with.
func mayZonePhrase(s string) bool {
	for _, w := range [...]string{"time", "TIME", "Time", "hora", "Hora", "heure", "Heure", "zeit", "Zeit", "ora", "Ora", "tijd", "Tijd", "horário", "Horário"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
