package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/analytics"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/runtime"
)

// TestCluster_Analytics: the dashboard's analytics against a cluster. The
// api process, an extraction worker and two notification workers
// (partitions 0/2 and 1/2, which share the analytics subscription and
// apply facts to the same day, week and people at once), each a separate
// process on a real nats-server and PostgreSQL; two users, each with a
// key. Each user's communications are ingested through the api process;
// GET /analytics/volume (by day and by week), /analytics/people and
// /analytics/deadlines from the api process then count exactly each
// user's own communications as the table holds them (the facts the
// analytics consumer derives from each stored item), and none of the
// other's; so do GET /people and /projects (the directory, read from the
// items table). A profile set with PUT /user-profile is read back, the
// other user keeps the default, and neither can write the other's.
func TestCluster_Analytics(t *testing.T) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	api := env.start(t, "api", RoleAPI)
	env.start(t, "extraction", RoleExtraction)
	env.start(t, "notification-0", RoleNotification, "--partition", "0/2")
	env.start(t, "notification-1", RoleNotification, "--partition", "1/2")

	// Open mode: the routes answer (no more 501), with nothing counted.
	var vol httpapi.VolumeResponse
	if code := getJSON(t, api.url()+"/analytics/volume", &vol); code != http.StatusOK || vol.Total != 0 {
		t.Fatalf("GET /analytics/volume before any ingest = %d %+v, want 200 with total 0", code, vol)
	}

	cli := func(stdin string, args ...string) string {
		t.Helper()
		out, stderr, err := runBin(t, stdin, nil, append(args, "--postgres", env.Postgres)...)
		if err != nil {
			t.Fatalf("doctales %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return strings.TrimSpace(out)
	}
	keys := map[string]string{}
	for _, user := range []string{"ana", "bo"} {
		cli("analytics-test-password-"+user+"\n", "users", "add", user)
		keys[user] = cli("", "keys", "create", "--user", user, "--scope", "ingest,read")
	}
	get := func(user, path string, v any) {
		t.Helper()
		code, body := doWith(t, http.MethodGet, api.url()+path, keys[user], "", "")
		if code != http.StatusOK {
			t.Fatalf("GET %s as %s = %d %s", path, user, code, body)
		}
		if err := json.Unmarshal([]byte(body), v); err != nil {
			t.Fatalf("GET %s as %s: %v: %s", path, user, err, body)
		}
	}

	posts := map[string][]string{
		"ana": {urgentEmail, urgentOps, calmEmail, strings.Replace(urgentEmail, "Wire transfer", "Wire transfer, again", 1),
			strings.Replace(calmEmail, `"project":"finance"`, `"project":"ops"`, 1)},
		"bo": {calmEmail, urgentOps},
	}
	ids := map[string][]string{}
	for user, bodies := range posts {
		for _, body := range bodies {
			code, resp := doWith(t, http.MethodPost, api.url()+"/communications", keys[user], "", body)
			if code != http.StatusAccepted {
				t.Fatalf("POST as %s = %d %s", user, code, resp)
			}
			var created struct{ ID string }
			if err := json.Unmarshal([]byte(resp), &created); err != nil || created.ID == "" {
				t.Fatalf("POST answer %s: %v", resp, err)
			}
			ids[user] = append(ids[user], created.ID)
		}
	}
	for user, list := range ids {
		for _, id := range list {
			var it doctales.Item
			waitCond(t, 60*time.Second, func() string { return fmt.Sprintf("%s's %s is %q, not extracted", user, id, it.Status) }, func() bool {
				get(user, "/communications/"+id, &it)
				return it.Status == doctales.StatusExtracted
			})
		}
	}

	for user, list := range ids {
		// What the aggregates must say: the facts of the user's items as
		// the table holds them now.
		var page struct{ Communications []*doctales.Item }
		get(user, "/communications?limit=100", &page)
		if len(page.Communications) != len(list) {
			t.Fatalf("%s lists %d communications, want %d", user, len(page.Communications), len(list))
		}
		want := wantAnalytics(page.Communications)
		if want.high == 0 || want.high == len(list) {
			t.Fatalf("%s: %d of %d communications high: the extractor judged the mails otherwise than this test expects; it needs both kinds", user, want.high, len(list))
		}
		// The subscriptions may still be applying (each partition at its
		// own pace): wait until every read says what it must.
		want.wait(t, user, func(path string, v any) { get(user, path, v) })
		wantWeeks, wantPeople := want.weeks, want.people

		// The people and project directory, read from the items table.
		var dir httpapi.PeopleResponse
		get(user, "/people", &dir)
		if dir.Count != len(wantPeople) {
			t.Errorf("%s: GET /people = %+v, want %v", user, dir.People, wantPeople)
		}
		for _, p := range dir.People {
			if p.Count != wantPeople[p.ID] {
				t.Errorf("%s: GET /people counts %s %d times, want %d", user, p.ID, p.Count, wantPeople[p.ID])
			}
		}
		var projects struct {
			Projects []doctales.ProjectSummary
			Count    int
		}
		get(user, "/projects", &projects)
		for _, p := range projects.Projects {
			n := 0
			for k, w := range wantWeeks {
				if strings.HasSuffix(k, " "+p.Project) {
					n += w.Total
				}
			}
			if p.Count != n || n == 0 {
				t.Errorf("%s: GET /projects counts %q %d times, want %d", user, p.Project, p.Count, n)
			}
		}
	}

	// Profiles: set by ana, read back (one store for every api process);
	// bo still has the default, and ana cannot write bo's.
	if code, body := doWith(t, http.MethodPut, api.url()+"/user-profile", keys["ana"], "", `{"primaryArchetype":"analyst"}`); code != http.StatusOK {
		t.Fatalf("PUT /user-profile as ana = %d %s", code, body)
	}
	var prof doctales.UserProfile
	get("ana", "/user-profile", &prof)
	if prof.ID != "ana" || prof.PrimaryArchetype != "analyst" || prof.UpdatedAt == nil {
		t.Errorf("ana's profile = %+v, want analyst, stored", prof)
	}
	prof = doctales.UserProfile{}
	get("bo", "/user-profile", &prof)
	if prof.ID != "bo" || prof.PrimaryArchetype != doctales.DefaultUserProfile("bo").PrimaryArchetype || prof.UpdatedAt != nil {
		t.Errorf("bo's profile = %+v, want the default", prof)
	}
	if code, body := doWith(t, http.MethodPut, api.url()+"/user-profile", keys["ana"], "", `{"id":"bo","primaryArchetype":"analyst"}`); code != http.StatusNotFound {
		t.Errorf("PUT bo's profile as ana = %d %s, want 404", code, body)
	}
}

// TestCluster_AnalyticsFill: a notification process fills the aggregate
// tables from the items stored before it ran (none of them applied by the
// subscription), every owner's, over several pages; a fact the
// subscription already wrote from a newer state is kept; once a fill has
// finished, the next start does nothing; and only partition 0 fills.
func TestCluster_AnalyticsFill(t *testing.T) {
	db := clusterDB(t, testutil.PostgresDSN(t))
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const n = analyticsFillPage + 20 // two pages
	for i := range n {
		owner := []string{"ana", "bo"}[i%2]
		it := doctales.NewItem(&doctales.Communication{ID: fmt.Sprintf("c%04d", i), Owner: owner, Type: "email", Source: "email",
			Project: "q3", Subject: "s", Sender: "Ana", SenderID: "ana@acme.example", Timestamp: t0.Add(time.Duration(i) * time.Minute)}, t0)
		it.Metadata.Urgency = "low"
		if _, _, err := db.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	// The subscription got to c0000 first, with a newer state (high).
	newer := &doctales.AnalyticsFact{ID: "c0000", Owner: "ana", Time: t0, Day: "2026-03-02", Week: "2026-W10", Urgency: "high",
		Person: "ana@acme.example", Name: "Ana", Org: "acme.example", Project: "q3"}
	if err := db.ApplyFacts(ctx, []doctales.AnalyticsChange{{ID: "c0000", Owner: "ana", Fact: newer}}); err != nil {
		t.Fatal(err)
	}

	other := &Cluster{PG: db, Role: RoleNotification, Partition: runtime.Partition{Index: 1, Count: 2}, Logger: slog.Default()}
	other.startAnalyticsFill()
	if other.analyticsFill != nil {
		t.Fatal("partition 1/2 started a fill: only partition 0 fills")
	}
	c := &Cluster{PG: db, Role: RoleNotification, Partition: runtime.Partition{Index: 0, Count: 2}, Logger: slog.Default()}
	c.startAnalyticsFill()
	if c.analyticsFill == nil {
		t.Fatal("partition 0/2 started no fill")
	}
	<-c.analyticsFill.done
	c.stopAnalyticsFill()
	total := 0
	for _, owner := range []string{"ana", "bo"} {
		days, err := db.VolumeByDay(doctales.WithOwner(ctx, owner), "", "")
		if err != nil {
			t.Fatal(err)
		}
		high := 0
		for _, d := range days {
			total += d.Total
			high += d.High
		}
		if want := map[string]int{"ana": 1, "bo": 0}[owner]; high != want {
			t.Errorf("%s: %d high, want %d (the subscription's newer fact of c0000 kept)", owner, high, want)
		}
	}
	if total != n {
		t.Fatalf("the fill counted %d communications, want %d", total, n)
	}
	if done, err := db.AnalyticsFilled(ctx); err != nil || !done {
		t.Fatalf("AnalyticsFilled = %v, %v after a fill, want true", done, err)
	}
	if read, err := c.fillAnalytics(ctx); err != nil || read != 0 {
		t.Fatalf("a second fill read %d items (%v), want none: one fill per database", read, err)
	}
}

// analyticsWant is what the analytics routes must answer for a set of
// communications: the facts package analytics derives from each.
type analyticsWant struct {
	total, high int
	days        map[string]doctales.VolumeDay
	weeks       map[string]doctales.VolumeWeek // by "week project"
	people      map[string]int
	deadlines   map[string]time.Time
}

// wantAnalytics sums the facts of items, as the table holds them.
func wantAnalytics(items []*doctales.Item) analyticsWant {
	w := analyticsWant{total: len(items), days: map[string]doctales.VolumeDay{}, weeks: map[string]doctales.VolumeWeek{},
		people: map[string]int{}, deadlines: map[string]time.Time{}}
	for _, it := range items {
		f := analytics.FactOf(it)
		d := w.days[f.Day]
		d.Day, d.Total = f.Day, d.Total+1
		wk := w.weeks[f.Week+" "+f.Project]
		wk.Week, wk.Project, wk.Total = f.Week, f.Project, wk.Total+1
		switch f.Urgency {
		case "high":
			d.High, wk.High, w.high = d.High+1, wk.High+1, w.high+1
		case "medium":
			d.Medium++
		case "low":
			d.Low++
		}
		if f.Request {
			d.Requests++
		}
		if f.Open {
			wk.Open++
		}
		w.days[f.Day], w.weeks[f.Week+" "+f.Project] = d, wk
		w.people[f.Person]++
		if !f.Deadline.IsZero() {
			w.deadlines[f.ID] = f.Deadline
		}
	}
	return w
}

// mismatch reads the four analytics answers with get and says how they
// differ from w, "" when they do not.
func (w analyticsWant) mismatch(get func(path string, v any)) string {
	var b strings.Builder
	var vol httpapi.VolumeResponse
	get("/analytics/volume", &vol)
	if vol.Total != w.total || len(vol.Days) != len(w.days) {
		fmt.Fprintf(&b, "volume %+v, want %d over %+v\n", vol, w.total, w.days)
	}
	for _, d := range vol.Days {
		if d != w.days[d.Day] {
			fmt.Fprintf(&b, "day %+v, want %+v\n", d, w.days[d.Day])
		}
	}
	var weeks httpapi.VolumeResponse
	get("/analytics/volume?by=week", &weeks)
	if weeks.By != "week" || len(weeks.Weeks) != len(w.weeks) || weeks.Total != w.total {
		fmt.Fprintf(&b, "weeks %+v, want %+v\n", weeks, w.weeks)
	}
	for _, wk := range weeks.Weeks {
		if wk != w.weeks[wk.Week+" "+wk.Project] {
			fmt.Fprintf(&b, "week %+v, want %+v\n", wk, w.weeks[wk.Week+" "+wk.Project])
		}
	}
	var people httpapi.AnalyticsPeopleResponse
	get("/analytics/people", &people)
	if len(people.People) != len(w.people) {
		fmt.Fprintf(&b, "people %+v, want %v\n", people.People, w.people)
	}
	for _, p := range people.People {
		if p.Total != w.people[p.ID] {
			fmt.Fprintf(&b, "%s counts %d, want %d\n", p.ID, p.Total, w.people[p.ID])
		}
	}
	var dl httpapi.DeadlinesResponse
	get("/analytics/deadlines", &dl)
	if dl.Count != len(w.deadlines) {
		fmt.Fprintf(&b, "deadlines %+v, want %v\n", dl.Deadlines, w.deadlines)
	}
	for _, d := range dl.Deadlines {
		if want, ok := w.deadlines[d.ID]; !ok || !d.Deadline.Equal(want) {
			fmt.Fprintf(&b, "deadline %+v, want %v\n", d, w.deadlines[d.ID])
		}
	}
	return b.String()
}

// wait polls the analytics answers until they are w's, failing after a
// minute with what still differs. Four reads a round, five rounds a
// second: under the reads' rate limit (50/s per key).
func (w analyticsWant) wait(t *testing.T, who string, get func(path string, v any)) {
	t.Helper()
	last := "-"
	waitCond(t, 60*time.Second, func() string { return who + "'s analytics:\n" + last }, func() bool {
		if last != "-" {
			time.Sleep(200 * time.Millisecond)
		}
		last = w.mismatch(get)
		return last == ""
	})
}

// TestCluster_AnalyticsKill9: one of the two notification processes, which
// share the analytics subscription, is killed with SIGKILL while
// communications arrive and started again later: what it had applied
// without a checkpoint is delivered again, and the analytics still count
// every communication exactly once, as the table holds them.
func TestCluster_AnalyticsKill9(t *testing.T) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	api := env.start(t, "api", RoleAPI)
	env.start(t, "extraction", RoleExtraction)
	env.start(t, "notification-0", RoleNotification, "--partition", "0/2")
	n1 := env.start(t, "notification-1", RoleNotification, "--partition", "1/2")

	const n = 90
	bodies := []string{urgentEmail, calmEmail, urgentOps}
	for i := range n {
		switch i {
		case n / 3:
			n1.kill()
		case 2 * n / 3:
			n1.run()
		}
		body := strings.Replace(bodies[i%3], `"subject":"`, fmt.Sprintf(`"subject":"%d `, i), 1)
		if code, resp := post(t, api.url(), body); code != http.StatusAccepted {
			t.Fatalf("POST %d = %d %v", i, code, resp)
		}
	}
	var page struct{ Communications []*doctales.Item }
	waitCond(t, 120*time.Second, func() string {
		return fmt.Sprintf("%d communications listed, not all extracted", len(page.Communications))
	}, func() bool {
		page.Communications = nil
		getJSON(t, api.url()+"/communications?limit=1000", &page)
		for _, it := range page.Communications {
			if it.Status != doctales.StatusExtracted {
				return false
			}
		}
		return len(page.Communications) == n
	})
	want := wantAnalytics(page.Communications)
	want.wait(t, "the open server", func(path string, v any) { getJSON(t, api.url()+path, v) })
}
