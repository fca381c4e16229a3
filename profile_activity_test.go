package doctales_test

import (
	"testing"

	"github.com/doctales/doctales"
)

// TestDetectArchetype: the archetype follows what people do in each view,
// with the time spent there; opening messages, however often, moves
// nothing (the original made everybody an analyst by counting opens).
func TestDetectArchetype(t *testing.T) {
	act := func(view string, seconds float64, kv ...any) doctales.Activity {
		v := &doctales.ViewActivity{Actions: map[string]int64{}, Seconds: seconds}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Actions[kv[i].(string)] = int64(kv[i+1].(int))
		}
		return doctales.Activity{view: v}
	}
	merge := func(as ...doctales.Activity) doctales.Activity {
		out := doctales.Activity{}
		for _, a := range as {
			out.Add(a)
		}
		return out
	}
	for _, c := range []struct {
		name    string
		a       doctales.Activity
		current string
		want    string
	}{
		{"OpensWeighNothing", merge(act("analyst", 0, "open", 200), act("now", 0, "open", 50)), "prioritizer", "prioritizer"},
		{"TriageInPrioritizer", merge(act("prioritizer", 300, "done", 6, "snooze", 2, "deadline", 3),
			act("analyst", 0, "open", 80)), "analyst", "prioritizer"},
		{"SortAndFilterInAnalyst", merge(act("analyst", 600, "sort", 4, "filter", 3, "export", 1),
			act("now", 30, "done", 2)), "prioritizer", "analyst"},
		{"PeopleInConnector", merge(act("connector", 240, "person", 5), act("threads", 0, "thread", 4)), "prioritizer", "connector"},
		// Actions outside the four views count half for the archetype they
		// lean to: threads followed on the shared screens make a connector.
		{"LeaningOutsideTheViews", merge(act("threads", 0, "thread", 6), act("now", 0, "done", 2)), "analyst", "connector"},
		// Time alone, in a view: twenty minutes on the boards.
		{"TimeSpent", act("visualizer", 1200), "prioritizer", "visualizer"},
		// One action is not enough evidence to flip the current archetype.
		{"OneActionKeepsCurrent", act("analyst", 0, "sort", 1), "connector", "connector"},
		// Time on the shared first screen counts for nobody.
		{"FirstScreenTimeIsNobodys", act("now", 3600), "connector", "connector"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := doctales.DetectArchetype(c.a, c.current); got != c.want {
				t.Errorf("DetectArchetype = %s, want %s (evidence %v)", got, c.want, doctales.ArchetypeEvidence(c.a))
			}
			conf := doctales.ArchetypeConfidence(c.a)
			sum := 0.0
			for _, v := range conf {
				sum += v
			}
			if len(conf) != 4 || sum < 0.999 || sum > 1.001 {
				t.Errorf("confidences %v do not sum to 1", conf)
			}
		})
	}
	// Nothing done: 25 % each.
	for k, v := range doctales.ArchetypeConfidence(doctales.Activity{}) {
		if v != 0.25 {
			t.Errorf("confidence of %s with no activity = %v, want 0.25", k, v)
		}
	}
	// Opens alone leave the confidences where they were.
	for k, v := range doctales.ArchetypeConfidence(act("analyst", 0, "open", 500)) {
		if v != 0.25 {
			t.Errorf("confidence of %s after 500 opens = %v, want 0.25", k, v)
		}
	}
}

// TestActivity_Validate refuses what one report cannot hold.
func TestActivity_Validate(t *testing.T) {
	ok := doctales.Activity{"analyst": {Actions: map[string]int64{"sort": 2}, Seconds: 12.5}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]doctales.Activity{
		"negative count":   {"analyst": {Actions: map[string]int64{"sort": -1}}},
		"too many actions": {"analyst": {Actions: map[string]int64{"sort": doctales.MaxActionsPerPost + 1}}},
		"negative seconds": {"analyst": {Seconds: -1}},
		"an hour and more": {"analyst": {Seconds: doctales.MaxSecondsPerPost + 1}},
		"empty view":       {"": {Seconds: 1}},
	} {
		if err := bad.Validate(); doctales.ErrorCode(err) != doctales.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}
