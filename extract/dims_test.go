package extract_test

import (
	"encoding/json"
	"testing"

	"github.com/doctales/doctales"
)

func TestEngine_Extract_Dimensions(t *testing.T) {
	c := email("Closing on the house", "Hi Bob,\n\nPlease review the attached mortgage papers by Friday, June 13.\nThe closing is at First National Bank in Boston.\n\n- sign page 3\n- initial page 5\n\nBest regards,\nAnn Lee\n")
	c.Project = "home-purchase"
	c.Recipients = []string{"Bob Stone <bob@example.org>"}
	c.Attachments = []doctales.Attachment{{Name: "house.jpg", Type: "image/jpeg"}}
	d := MustExtract(t, c)

	tm := d.Temporal
	if tm.Deadline == nil || tm.TimeContext.DaysUntilDeadline == nil || *tm.TimeContext.DaysUntilDeadline != 4 {
		t.Errorf("temporal = %+v, want a deadline 4 days ahead", tm)
	}
	if !tm.TimeContext.IsRecent || !tm.TimeContext.IsPast || !tm.TimeContext.RequiresAction {
		t.Errorf("timeContext = %+v", tm.TimeContext)
	}
	r := d.Relationship
	if !r.Context.ProjectSpecific || r.NetworkPosition.SharedConnections != 1 || !r.NetworkPosition.IsDirectConnection {
		t.Errorf("relationship = %+v", r)
	}
	if !contains(r.DetectedPeople, "Ann Lee") || !contains(r.DetectedOrganizations, "First National Bank") {
		t.Errorf("people %q, organisations %q", r.DetectedPeople, r.DetectedOrganizations)
	}
	v := d.Visual
	if !v.HasImages || v.VisualCategory != "image" || v.SpatialContext == nil || v.SpatialContext.Location != "Boston" {
		t.Errorf("visual = %+v %+v", v, v.SpatialContext)
	}
	a := d.Analytical
	if !a.Structure.HasBulletPoints || a.Structure.ParagraphCount != 4 || !contains(a.Tags, "home purchase") || !contains(a.Tags, "review") {
		t.Errorf("analytical = %+v", a)
	}
	if a.Categories[0] != "finance" || a.Metrics.Complexity != "low" || len(a.Entities.Concepts) == 0 {
		t.Errorf("analytical = %+v", a)
	}
	if d.ConfidenceScores.Temporal != 1 || d.ConfidenceScores.Visual < 0.7 {
		t.Errorf("confidence = %+v", d.ConfidenceScores)
	}
	// The JSON names of the original system.
	b, _ := json.Marshal(d)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"urgency", "urgencyScore", "urgencyReasons", "requiresAction", "deadline", "sentiment", "extractedAt", "temporal", "relationship", "visual", "analytical", "confidenceScores", "entities", "keyPhrases", "language", "pii"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
