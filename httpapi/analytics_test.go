package httpapi_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/analytics"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/runtime"
)

// TestAnalytics: the /analytics routes read the aggregates the consumer
// kept from the real change stream, scoped to the caller; the CSV export
// streams every selected row of the caller's only, defused against
// formulas; sort=oldest reverses the list; without aggregates, 501.
func TestAnalytics(t *testing.T) {
	f := mustAuthServer(t, func(h *httpapi.Handler) { h.Analytics = h.Table.(doctales.AnalyticsReader) })
	_, ana := f.mustKey(t, "ana", doctales.ScopeRead, doctales.ScopeIngest)
	_, ben := f.mustKey(t, "ben", doctales.ScopeRead, doctales.ScopeIngest)
	post := func(key, body string) {
		t.Helper()
		resp, b := send(t, "POST", f.srv.URL+"/communications", body, bearer(key))
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("POST = %d %s", resp.StatusCode, b)
		}
	}
	post(ana, `{"source":"email","subject":"=HYPERLINK(\"http://evil.example\")","from":"Eve","from_email":"eve@corp.example","body":"hi","timestamp":"2026-03-02T09:00:00Z","project":"p"}`)
	post(ana, `{"source":"email","subject":"Second","from":"Eve","from_email":"eve@corp.example","body":"hi","timestamp":"2026-03-03T09:00:00Z","project":"p"}`)
	post(ana, `{"source":"email","subject":"Third","from":"Gil","from_email":"gil@gmail.com","body":"hi","timestamp":"2026-03-03T10:00:00Z"}`)
	post(ben, `{"source":"email","subject":"Ben's","from":"Eve","from_email":"eve@corp.example","body":"hi","timestamp":"2026-03-02T09:00:00Z"}`)

	// The consumer, fed the table's stream as the runtime would.
	recs, err := f.db.ReadLog(context.Background(), doctales.SourceDynamoDB, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	h := runtime.DynamoDBHandler((&analytics.Consumer{Store: f.db}).Handle)
	if _, err := h.Invoke(context.Background(), recs); err != nil {
		t.Fatal(err)
	}

	get := func(key, path string, want int) string {
		t.Helper()
		resp, b := send(t, "GET", f.srv.URL+path, "", bearer(key))
		if resp.StatusCode != want {
			t.Fatalf("GET %s = %d %s, want %d", path, resp.StatusCode, b, want)
		}
		return b
	}
	var vol httpapi.VolumeResponse
	if err := json.Unmarshal([]byte(get(ana, "/analytics/volume", 200)), &vol); err != nil {
		t.Fatal(err)
	}
	if vol.Total != 3 || len(vol.Days) != 2 || vol.Days[0].Day != "2026-03-02" || vol.Days[0].Total != 1 || vol.Days[1].Total != 2 {
		t.Errorf("ana's volume = %+v, want 3 over 2026-03-02 (1) and 2026-03-03 (2)", vol)
	}
	if err := json.Unmarshal([]byte(get(ana, "/analytics/volume?from=2026-03-03", 200)), &vol); err != nil || vol.Total != 2 {
		t.Errorf("ana's volume from 2026-03-03 = %+v (%v), want 2", vol, err)
	}
	if err := json.Unmarshal([]byte(get(ben, "/analytics/volume?by=week", 200)), &vol); err != nil || vol.Total != 1 || len(vol.Weeks) != 1 || vol.Weeks[0].Week != "2026-W10" {
		t.Errorf("ben's weekly volume = %+v (%v), want 1 in 2026-W10", vol, err)
	}
	var people httpapi.AnalyticsPeopleResponse
	if err := json.Unmarshal([]byte(get(ana, "/analytics/people", 200)), &people); err != nil {
		t.Fatal(err)
	}
	if len(people.People) != 2 || people.People[0].ID != "eve@corp.example" || people.People[0].Total != 2 {
		t.Errorf("ana's people = %+v, want eve (2) then gil", people.People)
	}
	if len(people.Organizations) != 1 || people.Organizations[0].Name != "corp.example" || people.Organizations[0].Total != 2 {
		t.Errorf("ana's organisations = %+v, want corp.example (2) alone: gmail is not one", people.Organizations)
	}
	if b := get(ana, "/analytics/volume?from=March", 400); !strings.Contains(b, `"field":"from"`) {
		t.Errorf("a bad from's error does not name it: %s", b)
	}
	get(ana, "/analytics/deadlines?to=2026-12-31", 200)

	// CSV: ana's three rows, oldest first, the formula defused.
	resp, body := send(t, "GET", f.srv.URL+"/communications?format=csv&sort=oldest", "", bearer(ana))
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv = %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("csv does not parse: %v\n%s", err, body)
	}
	if len(rows) != 4 || rows[0][0] != "id" {
		t.Fatalf("csv has %d rows, want a header and ana's 3:\n%s", len(rows), body)
	}
	if rows[1][4] != `'=HYPERLINK("http://evil.example")` || rows[2][4] != "Second" || rows[3][4] != "Third" {
		t.Errorf("csv subjects = %q %q %q, want the formula quoted, oldest first", rows[1][4], rows[2][4], rows[3][4])
	}
	// A search exported as CSV keeps the list's own since/until (it used
	// to drop them): the same search from next year has no row.
	countCSV := func(path string) int {
		t.Helper()
		_, b := send(t, "GET", f.srv.URL+path, "", bearer(ana))
		rs, err := csv.NewReader(strings.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatalf("csv %s does not parse: %v\n%s", path, err, b)
		}
		return len(rs) - 1
	}
	if n := countCSV("/communications?format=csv&q=from:eve"); n == 0 {
		t.Errorf("a search for from:eve exported no row")
	}
	if n := countCSV("/communications?format=csv&q=from:eve&since=2027-01-01T00:00:00Z"); n != 0 {
		t.Errorf("a search since 2027 exported %d rows, want none", n)
	}
	// The list's sort, newest (default) and oldest.
	var list httpapi.ListResponse
	if err := json.Unmarshal([]byte(get(ana, "/communications?sort=oldest&limit=1", 200)), &list); err != nil || len(list.Communications) != 1 || list.Communications[0].Subject[0] != '=' {
		t.Errorf("sort=oldest first = %+v (%v)", list.Communications, err)
	}
	next := list.Next
	if err := json.Unmarshal([]byte(get(ana, "/communications?sort=oldest&limit=1&next="+next, 200)), &list); err != nil || list.Communications[0].Subject != "Second" {
		t.Errorf("sort=oldest second page = %+v (%v)", list.Communications, err)
	}
	get(ana, "/communications?sort=sideways", 400)

	// Without aggregate tables: 501, saying why.
	f2 := mustAuthServer(t, nil)
	if resp, b := send(t, "GET", f2.srv.URL+"/analytics/people", "", nil); resp.StatusCode != http.StatusNotImplemented || !strings.Contains(b, "docs/aws.md") {
		t.Errorf("without analytics: %d %s, want 501 naming docs/aws.md", resp.StatusCode, b)
	}
}
