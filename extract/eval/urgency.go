package eval

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
	"github.com/doctales/doctales/extract/internal/attnmodel"
	"github.com/doctales/doctales/ingest"
)

func init() {
	runners["urgency"] = runUrgency
}

// MinUrgencyMessages is the least number of labelled messages the urgency
// set must hold (issue 14).
const MinUrgencyMessages = 150

// UrgencyLabel is one line of extract/testdata/urgency/labels.jsonl: how a
// reader labelled one message at the reading time Now, following the
// labelling guide in docs/extraction.md.
type UrgencyLabel struct {
	File            string     `json:"file"`
	Now             time.Time  `json:"now"`
	Urgency         string     `json:"urgency"`
	Category        string     `json:"category"`
	Suspicious      bool       `json:"suspicious"`
	Deadline        *time.Time `json:"deadline"`
	DeadlineHasTime bool       `json:"deadlineHasTime"`
	Language        string     `json:"language"`
	Split           string     `json:"split"`
	Note            string     `json:"note"`
	// Reader is who reads the message, when the message does not say
	// (a list post's To: is the list): names and addresses, given to
	// the engine as extract.WithReader. Optional.
	Reader []string `json:"reader,omitempty"`
}

// UrgencyDir returns the folder of the urgency set: $DOCTALES_URGENCY_DATA
// when set, else extract/testdata/urgency under the module root found above
// the working directory, else the folder beside this source file.
func UrgencyDir() string {
	if d := os.Getenv("DOCTALES_URGENCY_DATA"); d != "" {
		return d
	}
	rel := filepath.Join("extract", "testdata", "urgency")
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/doctales/doctales\n")) {
				if _, err := os.Stat(filepath.Join(d, rel)); err == nil {
					return filepath.Join(d, rel)
				}
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		return filepath.Join(filepath.Dir(file), "..", "testdata", "urgency")
	}
	return rel
}

// LoadUrgencyLabels reads labels.jsonl in dir and checks it against the
// messages there: every line names an existing .eml, every .eml has exactly
// one line, values are in range, and there are at least
// MinUrgencyMessages of them.
func LoadUrgencyLabels(dir string) ([]UrgencyLabel, error) {
	f, err := os.Open(filepath.Join(dir, "labels.jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var labels []UrgencyLabel
	seen := map[string]bool{}
	var problems []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var l UrgencyLabel
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("labels.jsonl line %d: %w", n, err)
		}
		switch {
		case l.File == "":
			problems = append(problems, fmt.Sprintf("line %d: no file", n))
		case seen[l.File]:
			problems = append(problems, fmt.Sprintf("line %d: %s labelled twice", n, l.File))
		case l.Now.IsZero():
			problems = append(problems, fmt.Sprintf("line %d: %s has no now", n, l.File))
		case l.Urgency != doctales.UrgencyHigh && l.Urgency != doctales.UrgencyMedium && l.Urgency != doctales.UrgencyLow:
			problems = append(problems, fmt.Sprintf("line %d: %s urgency %q", n, l.File, l.Urgency))
		case !contains(doctales.Categories, l.Category):
			problems = append(problems, fmt.Sprintf("line %d: %s category %q", n, l.File, l.Category))
		case l.Split != "tune" && l.Split != "holdout" && l.Split != "blind" && l.Split != "fresh":
			problems = append(problems, fmt.Sprintf("line %d: %s split %q", n, l.File, l.Split))
		}
		if _, err := os.Stat(filepath.Join(dir, l.File)); err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %s: %v", n, l.File, err))
		}
		seen[l.File] = true
		labels = append(labels, l)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	emls, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		return nil, err
	}
	for _, e := range emls {
		if !seen[filepath.Base(e)] {
			problems = append(problems, fmt.Sprintf("%s has no label", filepath.Base(e)))
		}
	}
	if len(labels) < MinUrgencyMessages {
		problems = append(problems, fmt.Sprintf("%d labelled messages; at least %d are needed", len(labels), MinUrgencyMessages))
	}
	if len(problems) > 0 {
		return labels, fmt.Errorf("urgency set %s: %s", dir, strings.Join(problems, "; "))
	}
	return labels, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ParseUrgencyMessage reads one message of the set the way users' mail is
// read: through the ingestion parser.
func ParseUrgencyMessage(ctx context.Context, path string) (*doctales.Communication, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := (&ingest.Parser{}).ParseMail(ctx, raw, ingest.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return p.Communication, nil
}

// urgencyLevels orders the confusion matrix.
var urgencyLevels = []string{doctales.UrgencyHigh, doctales.UrgencyMedium, doctales.UrgencyLow}

// urgencyScore accumulates the measures of one split.
type urgencyScore struct {
	n, urgOK                    int
	predHigh, trueHigh, hitHigh int
	confusion                   [3][3]int // [expected][got]
	catN, catOK, catEmpty       int
	suspPred, suspTrue, suspHit int
	dlOK, dlLabelled, dlFound   int
	dlSpurious                  int
	byGroup                     map[string][2]int // group -> ok, n (urgency)
	misses                      []string
	model                       []attnmodel.Outcome // with the shipped attention model
}

func levelIndex(u string) int {
	for i, l := range urgencyLevels {
		if l == u {
			return i
		}
	}
	return -1
}

// deadlineMatches tells whether got matches the labelled deadline: the same
// calendar day in the label's zone (the message's), and within an hour when
// the label has a time.
func deadlineMatches(want *time.Time, hasTime bool, got *time.Time) bool {
	if want == nil || got == nil {
		return want == nil && got == nil
	}
	g := got.In(want.Location())
	if g.Year() != want.Year() || g.YearDay() != want.YearDay() {
		return false
	}
	if hasTime {
		d := g.Sub(*want)
		return d <= time.Hour && d >= -time.Hour
	}
	return true
}

func fmtDeadline(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "none"
	}
	if loc != nil {
		return t.In(loc).Format(time.RFC3339)
	}
	return t.Format(time.RFC3339)
}

// runUrgency measures urgency, category, suspicion and deadlines on the
// hand-labelled set in extract/testdata/urgency (not under dataDir: the
// set belongs to the repository), per split.
func runUrgency(string) (*Table, error) {
	dir := UrgencyDir()
	labels, err := LoadUrgencyLabels(dir)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	scores := map[string]*urgencyScore{}
	for _, l := range labels {
		// The rules alone, as this set has always been measured; the
		// attention model's figures are added below (attention.go).
		c, d, in, err := extractLabelled(ctx, dir, l)
		if err != nil {
			return nil, err
		}
		s := scores[l.Split]
		if s == nil {
			s = &urgencyScore{byGroup: map[string][2]int{}}
			scores[l.Split] = s
		}
		s.add(l, c, d)
		s.model = append(s.model, modelOutcome(l, d, in))
	}
	t := &Table{Set: "urgency"}
	// fresh is written after the hold-out had been looked at, labelled
	// from the guide before the engine first ran on it; blind by someone
	// who never ran the engine. Their misses are never listed.
	for _, split := range []string{"tune", "holdout", "fresh", "blind"} {
		if s := scores[split]; s != nil {
			t.Rows = append(t.Rows, s.rows(split)...)
		}
	}
	for _, split := range []string{"tune", "holdout", "fresh", "blind"} {
		if s := scores[split]; s != nil {
			t.Rows = append(t.Rows, modelRows(split, s.model)...)
		}
	}
	// EVAL_VERBOSE lists the misses of the tune split; the hold-out
	// split's only with EVAL_VERBOSE=all, so that whoever tunes the rules
	// sees its aggregate figures and not its labels.
	if v := os.Getenv("EVAL_VERBOSE"); v != "" {
		for _, split := range []string{"tune", "holdout"} {
			if split == "holdout" && v != "all" {
				t.Notes = append(t.Notes, "(hold-out misses are listed only with EVAL_VERBOSE=all)")
				continue
			}
			if s := scores[split]; s != nil {
				for _, m := range s.misses {
					t.Notes = append(t.Notes, "miss ("+split+") "+m)
				}
			}
		}
	}
	return t, nil
}

func (s *urgencyScore) add(l UrgencyLabel, c *doctales.Communication, d *doctales.Dimensions) {
	s.n++
	ok := d.Urgency == l.Urgency
	if ok {
		s.urgOK++
	}
	if d.Urgency == doctales.UrgencyHigh {
		s.predHigh++
	}
	if l.Urgency == doctales.UrgencyHigh {
		s.trueHigh++
		if ok {
			s.hitHigh++
		}
	}
	if i, j := levelIndex(l.Urgency), levelIndex(d.Urgency); i >= 0 && j >= 0 {
		s.confusion[i][j]++
	}
	groups := []string{"category " + l.Category}
	if l.Language != "en" {
		groups = append(groups, "non-English")
	}
	if l.Now.Sub(c.Timestamp) > 72*time.Hour {
		groups = append(groups, "older than 72 h at now")
	}
	for _, g := range groups {
		v := s.byGroup[g]
		if ok {
			v[0]++
		}
		v[1]++
		s.byGroup[g] = v
	}
	var why []string
	if !ok {
		why = append(why, fmt.Sprintf("urgency want %s got %s (score %.2f; reasons %s)", l.Urgency, d.Urgency, d.UrgencyScore, reasons(d)))
	}

	if d.Category == "" {
		s.catEmpty++
	} else {
		s.catN++
		if d.Category == l.Category {
			s.catOK++
		} else {
			why = append(why, fmt.Sprintf("category want %s got %s", l.Category, d.Category))
		}
	}

	susp := d.Suspicious != "" || d.Category == doctales.CategorySuspicious
	if susp {
		s.suspPred++
	}
	if l.Suspicious {
		s.suspTrue++
		if susp {
			s.suspHit++
		}
	}
	if susp != l.Suspicious {
		why = append(why, fmt.Sprintf("suspicious want %v got %v %q", l.Suspicious, susp, d.Suspicious))
	}

	var loc *time.Location
	if l.Deadline != nil {
		loc = l.Deadline.Location()
		s.dlLabelled++
		if d.Deadline != nil {
			s.dlFound++
		}
	} else if d.Deadline != nil {
		s.dlSpurious++
		loc = c.Timestamp.Location()
	}
	if deadlineMatches(l.Deadline, l.DeadlineHasTime, d.Deadline) {
		s.dlOK++
	} else {
		want := fmtDeadline(l.Deadline, nil)
		if l.Deadline != nil && !l.DeadlineHasTime {
			want = l.Deadline.Format("2006-01-02") + " (day)"
		}
		why = append(why, fmt.Sprintf("deadline want %s got %s", want, fmtDeadline(d.Deadline, loc)))
	}
	if len(why) > 0 {
		s.misses = append(s.misses, fmt.Sprintf("%s [%s, %s]: %s", l.File, l.Category, l.Note, strings.Join(why, "; ")))
	}
}

func reasons(d *doctales.Dimensions) string {
	if len(d.UrgencyReasons) == 0 {
		return "none"
	}
	return strings.Join(d.UrgencyReasons, " | ")
}

func ratio(a, b int) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.3f (%d/%d)", float64(a)/float64(b), a, b)
}

func (s *urgencyScore) rows(split string) []Row {
	p := split + ": "
	rows := []Row{
		{fmt.Sprintf("%surgency accuracy (n=%d)", p, s.n), ratio(s.urgOK, s.n), ""},
		{p + "high precision", ratio(s.hitHigh, s.predHigh), "target >= .90"},
		{p + "high recall", ratio(s.hitHigh, s.trueHigh), "target >= .85"},
	}
	for i, want := range urgencyLevels {
		var cells []string
		for j, got := range urgencyLevels {
			cells = append(cells, fmt.Sprintf("%s %d", got, s.confusion[i][j]))
		}
		rows = append(rows, Row{fmt.Sprintf("%s  labelled %s (n=%d) -> engine", p, want, s.confusion[i][0]+s.confusion[i][1]+s.confusion[i][2]), strings.Join(cells, " / "), ""})
	}
	groups := make([]string, 0, len(s.byGroup))
	for g := range s.byGroup {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		v := s.byGroup[g]
		rows = append(rows, Row{fmt.Sprintf("%s  urgency accuracy, %s", p, g), ratio(v[0], v[1]), ""})
	}
	cat := "not implemented (engine leaves Category empty)"
	if s.catN > 0 {
		cat = ratio(s.catOK, s.catN)
		if s.catEmpty > 0 {
			cat += fmt.Sprintf(", %d left empty", s.catEmpty)
		}
	}
	rows = append(rows,
		Row{p + "category accuracy", cat, ""},
		Row{p + "suspicious precision", ratio(s.suspHit, s.suspPred), ""},
		Row{p + "suspicious recall", ratio(s.suspHit, s.suspTrue), ""},
		Row{p + "deadline accuracy (same day; +-1 h when timed; none = none)", ratio(s.dlOK, s.n), "target >= .90"},
		Row{p + "  deadline found where labelled", ratio(s.dlFound, s.dlLabelled), ""},
		Row{p + "  deadline given where none labelled", fmt.Sprintf("%d of %d", s.dlSpurious, s.n-s.dlLabelled), ""},
	)
	return rows
}

// extractLabelled reads the labelled message l of the urgency set in dir
// and extracts it at the label's reading time and reader with the rules
// alone (the attention model off), returning the model's input beside.
func extractLabelled(ctx context.Context, dir string, l UrgencyLabel) (*doctales.Communication, *doctales.Dimensions, *attnmodel.Input, error) {
	c, err := ParseUrgencyMessage(ctx, filepath.Join(dir, l.File))
	if err != nil {
		return nil, nil, nil, err
	}
	c.ID = l.File
	now := l.Now
	d, in, err := extract.New(extract.WithNow(func() time.Time { return now }), extract.WithReader(l.Reader...), extract.WithAttentionModel(false)).ExtractAttention(ctx, c)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", l.File, err)
	}
	return c, d, in, nil
}
