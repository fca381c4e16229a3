package extract

import (
	"fmt"
	"math"
	"path"
	"strings"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract/internal/fastre"
)

// Keyword rules of the original system (spec §1 and §4), widened a little.
var (
	rePersonal     = fastre.MustCompile(`\b(family|friends?|mom|dad|mum|brother|sister|birthday|wedding|kids|children|weekend|dinner|vacation|holiday|reunion|love)\b`)
	reProfessional = fastre.MustCompile(`\b(work|job|interview|meeting|project|client|customer|contract|invoice|deadline|report|budget|colleague|office|manager|team|proposal|quarterly)\b`)
	reHomeProject  = fastre.MustCompile(`\b(house|home|property|mortgage|realtor|escrow|closing)\b`)
	reFinance      = fastre.MustCompile(`\b(invoice|payment|paid|bank|wire|transfer|account|refund|billing|loan|mortgage)\b`)
	reInterviews   = fastre.MustCompile(`\b(interview|job|resume|cv|candidate|hiring|offer letter)\b`)
	rePlanning     = fastre.MustCompile(`\b(plan|planning|schedule|agenda|itinerary|calendar)\b`)
	reBulk         = fastre.MustCompile(`(unsubscribe|mailing list|view (this|it) in your browser|no-?reply|newsletter)`)
	reHeading      = lazyRE(`(?m)^#+\s+.+$`)
	reBullet       = lazyRE(`(?m)^[ \t]*[*•-][ \t]+.+$`)
	reNumbered     = lazyRE(`(?m)^[ \t]*\d+[.)][ \t]+.+$`)
	reTableRow     = lazyRE(`(?m)^[ \t]*\|?.+\|.+\|.*$`)
	reFollowUp     = fastre.MustCompile(`\bfollow[- ]?up\b`)
	reReview       = fastre.MustCompile(`\breview\b`)
	reApproval     = fastre.MustCompile(`\bapprov(e|al|ed)\b`)
	reBlankLine    = lazyRE(`\n[ \t]*\n`)
	reMeeting      = fastre.MustCompile(`\b(meeting|meet|call|calendar invite)\b`)
)

// Original-system thresholds.
const (
	recentWindow    = 7 * 24 * time.Hour // isRecent
	wordsPerMinute  = 200                // readingTime
	highComplexity  = 300                // words
	lowComplexity   = 50                 // words
	maxDirectRecips = 3                  // beyond this a message is not a direct connection
	maxKeywordBytes = 8 << 10            // content the keyword and layout rules read
)

// dimInput is what the four dimensions are computed from.
type dimInput struct {
	c       *doctales.Communication
	content string
	now     time.Time
	ref     time.Time
	d       *doctales.Dimensions
	cue     string
}

// fourDimensions fills d.Temporal, Relationship, Visual, Analytical and
// ConfidenceScores from the signals already in d.
func fourDimensions(in dimInput) {
	d, c := in.d, in.c
	people, orgs, locs := entityTexts(d.Entities, doctales.EntityPerson), entityTexts(d.Entities, doctales.EntityOrganization), entityTexts(d.Entities, doctales.EntityLocation)
	dates := make([]string, 0, len(d.Dates))
	for _, m := range d.Dates {
		dates = append(dates, m.Text)
	}
	// Keyword rules read the subject and the first 8 KiB of the content.
	// Lower-cased once: the keyword patterns are case-sensitive (faster
	// than (?i)) and all lower case.
	all := lowerASCII(c.Subject + "\n" + cut(in.content, maxKeywordBytes))
	project := strings.ToLower(c.Project)

	// Temporal.
	t := &doctales.TemporalDimension{Deadline: d.Deadline, Urgency: d.Urgency, DetectedDates: dates}
	created := in.ref
	t.Chronology = doctales.Chronology{Created: created, LastUpdated: &created}
	if d.Deadline != nil {
		t.Chronology.FollowUpDate = d.Deadline
		until := d.Deadline.Sub(in.ref)
		days := int(math.Ceil(until.Hours() / 24))
		hours := math.Round(until.Hours()*10) / 10
		t.TimeContext.DaysUntilDeadline, t.TimeContext.HoursUntilDeadline = &days, &hours
	} else {
		for _, m := range d.Dates {
			if m.Time.After(in.ref) {
				ft := m.Time
				t.Chronology.FollowUpDate = &ft
				break
			}
		}
	}
	age := in.now.Sub(in.ref)
	t.TimeContext.IsPast = in.ref.Before(in.now)
	t.TimeContext.IsRecent = age >= -time.Hour && age <= recentWindow
	t.TimeContext.RequiresAction = d.RequiresAction
	d.Temporal = t

	// Relationship.
	bulk := reBulk.MatchString(all) || strings.Contains(strings.ToLower(c.SenderID), "noreply") || len(c.Recipients)+len(c.Cc) > 10
	r := &doctales.RelationshipDimension{DetectedPeople: people, DetectedOrganizations: orgs}
	r.Context.Personal = project == "family-event" || rePersonal.MatchString(all)
	r.Context.Professional = project == "career-change" || reProfessional.MatchString(all)
	r.Context.ProjectSpecific = project == "home-purchase" || reHomeProject.MatchString(all) || project != "" && project != "default"
	switch {
	case c.Type == doctales.TypeSocial || bulk:
		r.ConnectionStrength = "weak"
	case c.Type == doctales.TypeEmail && len(c.Recipients)+len(c.Cc) <= maxDirectRecips && (d.RequiresAction || r.Context.Personal || c.Metadata.Category == "finance"):
		r.ConnectionStrength = "strong"
	default:
		r.ConnectionStrength = "medium"
	}
	switch c.Type {
	case doctales.TypeEmail:
		r.Frequency = "frequent"
	case doctales.TypeDocument:
		r.Frequency = "occasional"
	default:
		r.Frequency = "rare"
	}
	last := in.ref
	r.LastInteraction = &last
	r.NetworkPosition.IsDirectConnection = !bulk && len(c.Recipients)+len(c.Cc) <= maxDirectRecips
	r.NetworkPosition.SharedConnections = len(c.Recipients) + len(c.Cc)
	rel := 0.5
	switch d.Urgency {
	case doctales.UrgencyHigh:
		rel += 0.3
	case doctales.UrgencyLow:
		rel -= 0.1
	}
	if t.TimeContext.IsRecent {
		rel += 0.2
	}
	if r.Context.ProjectSpecific {
		rel += 0.1
	}
	r.NetworkPosition.RelevanceScore = clamp01(rel)
	d.Relationship = r

	// Visual.
	v := &doctales.VisualDimension{}
	v.VisualElements.Attachments = len(c.Attachments)
	for _, a := range c.Attachments {
		if strings.HasPrefix(a.Type, "image/") || isImageName(a.Name) {
			v.VisualElements.Images++
		}
	}
	if n := fieldInt(c.Fields, "imageCount"); n > v.VisualElements.Images {
		v.VisualElements.Images = n
	}
	v.VisualElements.Charts = fieldInt(c.Fields, "chartCount")
	v.VisualElements.Tables = fieldInt(c.Fields, "tableCount")
	if v.VisualElements.Tables == 0 && strings.Count(all, "|") >= 6 && len(reTableRow.FindAllStringIndex(all, 3)) >= 3 {
		v.VisualElements.Tables = 1
	}
	v.HasImages = v.VisualElements.Images > 0 || fieldBool(c.Fields, "hasImages")
	if v.HasImages && v.VisualElements.Images == 0 {
		v.VisualElements.Images = 1
	}
	v.DocumentType = fieldString(c.Fields, "fileType")
	if v.DocumentType == "unknown" {
		v.DocumentType = ""
	}
	if v.DocumentType == "" && c.Type == doctales.TypeDocument && len(c.Attachments) > 0 {
		v.DocumentType = strings.TrimPrefix(path.Ext(c.Attachments[0].Name), ".")
	}
	if loc := fieldString(c.Fields, "location"); loc != "" || len(locs) > 0 {
		sp := &doctales.SpatialContext{Location: loc, RelatedLocations: locs}
		if sp.Location == "" {
			sp.Location = locs[0]
		}
		v.SpatialContext = sp
	}
	switch {
	case v.VisualElements.Charts > 0 && v.VisualElements.Tables > 0:
		v.VisualCategory = "mixed"
	case v.VisualElements.Charts > 0:
		v.VisualCategory = "chart"
	case v.HasImages:
		v.VisualCategory = "image"
	case v.DocumentType != "":
		v.VisualCategory = "document"
	default:
		v.VisualCategory = "text-only"
	}
	d.Visual = v

	// Analytical.
	a := &doctales.AnalyticalDimension{Sentiment: strings.ToLower(d.Sentiment)}
	switch {
	case c.Metadata.Category != "":
		a.Categories = []string{c.Metadata.Category}
	case reFinance.MatchString(all):
		a.Categories = []string{"finance"}
	case reInterviews.MatchString(all):
		a.Categories = []string{"interviews"}
	case rePlanning.MatchString(all):
		a.Categories = []string{"planning"}
	default:
		a.Categories = []string{"general"}
	}
	a.Tags = []string{}
	if d.Urgency == doctales.UrgencyHigh || in.cue != "" {
		a.Tags = append(a.Tags, "urgent")
	}
	if d.RequiresAction {
		a.Tags = append(a.Tags, "action-required")
	}
	for _, tg := range []struct {
		re  *fastre.Regexp
		tag string
	}{{reFollowUp, "follow-up"}, {reReview, "review"}, {reApproval, "approval"}, {reMeeting, "meeting"}} {
		if tg.re.MatchString(all) {
			a.Tags = append(a.Tags, tg.tag)
		}
	}
	if project != "" && project != "default" {
		a.Tags = append(a.Tags, strings.ReplaceAll(c.Project, "-", " "))
	}
	concepts := []string{}
	for i, k := range d.KeyPhrases {
		if i == 5 {
			break
		}
		concepts = append(concepts, k.Text)
	}
	a.Entities = doctales.AnalyticalEntities{People: people, Organizations: orgs, Locations: locs, Dates: dates, Concepts: concepts}
	wc := len(strings.Fields(in.content))
	a.Metrics.WordCount = wc
	a.Metrics.ReadingTime = int(math.Ceil(float64(wc) / wordsPerMinute))
	switch {
	case wc > highComplexity:
		a.Metrics.Complexity = "high"
	case wc < lowComplexity:
		a.Metrics.Complexity = "low"
	default:
		a.Metrics.Complexity = "medium"
	}
	if wc > 0 {
		n := len(people) + len(orgs) + len(locs) + len(dates) + len(concepts)
		a.Metrics.InformationDensity = math.Round(float64(n)/float64(wc)*100*100) / 100
	}
	body := all
	a.Structure.HasHeadings = reHeading.MatchString(body)
	a.Structure.HasBulletPoints = reBullet.MatchString(body)
	a.Structure.HasNumberedLists = reNumbered.MatchString(body)
	a.Structure.ParagraphCount = paragraphs(in.content)
	d.Analytical = a

	// Confidence: the original's additive rules, with the NaN bug gone.
	cs := &d.ConfidenceScores
	cs.Temporal = confidence(d.Deadline != nil, 0.2, d.RequiresAction, 0.1, t.TimeContext.DaysUntilDeadline != nil, 0.2, len(dates) > 0, 0.1)
	cs.Relationship = confidence(r.ConnectionStrength == "strong", 0.2, r.Frequency == "frequent", 0.1, r.NetworkPosition.SharedConnections > 0, 0.1,
		r.Context.Personal || r.Context.Professional, 0.1, len(people) > 0, 0.1)
	cs.Visual = confidence(v.HasImages, 0.2, v.VisualElements.Charts > 0, 0.1, v.VisualElements.Tables > 0, 0.1, v.SpatialContext != nil, 0.1)
	cs.Analytical = confidence(len(a.Tags) > 2, 0.1, len(concepts) > 0, 0.1, a.Metrics.Complexity == "high", 0.1,
		a.Structure.HasHeadings || a.Structure.HasBulletPoints || a.Structure.HasNumberedLists, 0.1, wc > 100, 0.1)
}

// confidence adds to 0.5 the weight of each true condition (pairs of bool
// and weight), caps at 1 and rounds to two decimals.
func confidence(pairs ...any) float64 {
	c := 0.5
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i].(bool) {
			c += pairs[i+1].(float64)
		}
	}
	return math.Round(math.Min(c, 1)*100) / 100
}

func clamp01(f float64) float64 { return math.Round(math.Max(0, math.Min(1, f))*100) / 100 }

// entityTexts returns the distinct texts of entities of one type, in order.
func entityTexts(es []doctales.Entity, typ string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, e := range es {
		if e.Type == typ && !seen[strings.ToLower(e.Text)] {
			seen[strings.ToLower(e.Text)] = true
			out = append(out, e.Text)
		}
	}
	return out
}

func paragraphs(s string) int {
	n := 0
	for _, p := range reBlankLine.Split(cut(s, DefaultMaxAnalyzeBytes), -1) {
		if strings.TrimSpace(p) != "" {
			n++
		}
	}
	return n
}

func isImageName(n string) bool {
	switch strings.ToLower(path.Ext(n)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".heic", ".tiff", ".svg":
		return true
	}
	return false
}

func fieldString(f map[string]any, k string) string {
	if v, ok := f[k]; ok {
		if s, ok := v.(string); ok {
			return s
		}
	}
	return ""
}

func fieldInt(f map[string]any, k string) int {
	switch v := f[k].(type) {
	case float64:
		return int(v)
	case int:
		return v
	case int64:
		return int(v)
	case string:
		var n int
		fmt.Sscan(v, &n)
		return n
	}
	return 0
}

func fieldBool(f map[string]any, k string) bool {
	b, _ := f[k].(bool)
	return b
}
