package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/httpapi"
)

// listIDs GETs a list and returns its ids, failing unless it is 200.
func listIDs(t *testing.T, f *authFixture, key string, query url.Values) []string {
	t.Helper()
	resp, body := send(t, "GET", f.srv.URL+"/communications?"+query.Encode(), "", bearer(key))
	if resp.StatusCode != 200 {
		t.Fatalf("GET ?%s = %d %s", query.Encode(), resp.StatusCode, body)
	}
	var list httpapi.ListResponse
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, it := range list.Communications {
		ids = append(ids, it.ID)
	}
	return ids
}

// TestPatchState: PATCH /communications/{id} writes the reader's state,
// validates with errors naming the field and the limit, and answers 404
// for another user's id; lists filter by ?state= and ?attention= leaves
// out what is done or snoozed.
func TestPatchState(t *testing.T) {
	f := mustAuthServer(t, nil)
	_, ana := f.mustKey(t, "ana", doctales.ScopeRead, doctales.ScopeIngest)
	_, ben := f.mustKey(t, "ben", doctales.ScopeRead, doctales.ScopeIngest)
	post := func(key, id, subject string) {
		t.Helper()
		body := `{"id":"` + id + `","source":"email","subject":"` + subject + `","from":"Ana","from_email":"ana@acme.example","body":"URGENT: approve the wire now please"}`
		if resp, b := send(t, "POST", f.srv.URL+"/communications", body, bearer(key)); resp.StatusCode != 202 {
			t.Fatalf("POST = %d %s", resp.StatusCode, b)
		}
	}
	post(ana, "a1", "first")
	post(ana, "a2", "second")
	post(ben, "b1", "bens")
	patch := func(key, id, body string) (int, string) {
		t.Helper()
		resp, b := send(t, "PATCH", f.srv.URL+"/communications/"+id, body, bearer(key))
		return resp.StatusCode, b
	}

	code, body := patch(ana, "a1", `{"state":"done"}`)
	if code != 200 || !strings.Contains(body, `"state":"done"`) || !strings.Contains(body, `"stateAt"`) {
		t.Fatalf("PATCH done = %d %s", code, body)
	}
	if resp, b := send(t, "GET", f.srv.URL+"/communications/a1", "", bearer(ana)); resp.StatusCode != 200 || !strings.Contains(b, `"state":"done"`) {
		t.Fatalf("GET after done = %d %s", resp.StatusCode, b)
	}
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if code, body := patch(ana, "a2", `{"state":"snoozed","until":"`+until+`"}`); code != 200 || !strings.Contains(body, `"stateUntil":"`+until+`"`) {
		t.Fatalf("PATCH snoozed = %d %s", code, body)
	}
	for state, want := range map[string][]string{"done": {"a1"}, "snoozed": {"a2"}, "open": {}} {
		if got := listIDs(t, f, ana, url.Values{"state": {state}}); !slices.Equal(got, want) {
			t.Errorf("?state=%s = %v, want %v", state, got, want)
		}
	}
	if got := listIDs(t, f, ana, url.Values{"attention": {"now"}}); len(got) != 0 {
		t.Errorf("?attention=now lists %v; done and snoozed items must not be there", got)
	}
	if code, _ := patch(ana, "a1", `{"state":"open"}`); code != 200 {
		t.Fatalf("PATCH open = %d", code)
	}
	if got := listIDs(t, f, ana, url.Values{"state": {"open"}}); !slices.Equal(got, []string{"a1"}) {
		t.Errorf("?state=open after reopening = %v", got)
	}

	// Errors.
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	far := time.Now().AddDate(2, 0, 0).UTC().Format(time.RFC3339)
	for _, c := range []struct {
		key, id, body string
		code          int
		field, words  string
	}{
		{ana, "a1", `{"state":"archived"}`, 400, "state", "not one of done"},
		{ana, "a1", `{"state":"snoozed"}`, 400, "until", "needs until"},
		{ana, "a1", `{"state":"snoozed","until":"` + past + `"}`, 400, "until", "not in the future"},
		{ana, "a1", `{"state":"snoozed","until":"` + far + `"}`, 400, "until", "limit is 366 days"},
		{ana, "a1", `{"state":"snoozed","until":"tomorrow"}`, 400, "until", "RFC 3339"},
		{ana, "a1", `{"state":"done","until":"` + until + `"}`, 400, "until", "only for state snoozed"},
		{ana, "a1", `{"state":"done","colour":"red"}`, 400, "colour", "not known"},
		{ana, "a1", `{"state":7}`, 400, "state", "must be a string"},
		{ana, "a1", `done`, 400, "body", "JSON object"},
		{ana, "a1", `{"state":"done","pad":"` + strings.Repeat("x", 2000) + `"}`, 400, "body", "limit is 1024"},
		{ben, "a1", `{"state":"done"}`, 404, "", ""},
		{ana, "b1", `{"state":"done"}`, 404, "", ""},
		{ana, "nope", `{"state":"done"}`, 404, "", ""},
	} {
		resp, b := send(t, "PATCH", f.srv.URL+"/communications/"+c.id, c.body, bearer(c.key))
		if resp.StatusCode != c.code {
			t.Errorf("PATCH %s %.60s = %d %s, want %d", c.id, c.body, resp.StatusCode, b, c.code)
			continue
		}
		var e httpapi.ErrorResponse
		_ = json.Unmarshal([]byte(b), &e)
		if e.Field != c.field || !strings.Contains(e.Error, c.words) {
			t.Errorf("PATCH %.60s: field %q error %q, want field %q saying %q", c.body, e.Field, e.Error, c.field, c.words)
		}
	}
	// Ben's item did not change.
	if got := listIDs(t, f, ben, url.Values{"state": {"open"}}); !slices.Equal(got, []string{"b1"}) {
		t.Errorf("ben's open items = %v", got)
	}
	if resp, b := send(t, "GET", f.srv.URL+"/communications?state=later", "", bearer(ana)); resp.StatusCode != http.StatusBadRequest || !strings.Contains(b, "state") {
		t.Errorf("?state=later = %d %s", resp.StatusCode, b)
	}
}

// TestSearchAPI: GET /communications?q= finds a word of a body, keeps to
// the caller's communications, applies filters, and answers hostile
// searches with results or 400, never 500.
func TestSearchAPI(t *testing.T) {
	f := mustAuthServer(t, nil)
	_, ana := f.mustKey(t, "ana", doctales.ScopeRead, doctales.ScopeIngest)
	_, ben := f.mustKey(t, "ben", doctales.ScopeRead, doctales.ScopeIngest)
	for _, p := range []struct{ key, body string }{
		{ana, `{"id":"a1","source":"email","subject":"Budget","from":"Dana Lee","from_email":"dana@corp.example","project":"q3","body":"The zeppelin budget is due on Friday."}`},
		{ana, `{"id":"a2","source":"email","subject":"Lunch","from":"Eli","from_email":"eli@corp.example","project":"fun","body":"Tacos at noon?"}`},
		{ben, `{"id":"b1","source":"email","subject":"Zeppelin","from":"Dana Lee","from_email":"dana@corp.example","body":"Ben's zeppelin notes."}`},
	} {
		if resp, b := send(t, "POST", f.srv.URL+"/communications", p.body, bearer(p.key)); resp.StatusCode != 202 {
			t.Fatalf("POST = %d %s", resp.StatusCode, b)
		}
	}
	for q, want := range map[string][]string{
		"zeppelin":                     {"a1"},
		"tacos":                        {"a2"},
		"from:dana":                    {"a1"},
		"project:fun":                  {"a2"},
		"zeppelin project:fun":         {},
		`"budget is due"`:              {"a1"},
		"after:2000-01-01 project:q3":  {"a1"},
		`NEAR(zeppelin budget) "open`:  {},
		`zeppelin)`:                    {"a1"},
		`"zeppelin`:                    {"a1"},
		"*":                            {},
		`{subject}:zeppelin OR budget`: {},
	} {
		if got := listIDs(t, f, ana, url.Values{"q": {q}}); !slices.Equal(got, want) {
			t.Errorf("q=%s: %v, want %v", q, got, want)
		}
	}
	if got := listIDs(t, f, ben, url.Values{"q": {"zeppelin"}}); !slices.Equal(got, []string{"b1"}) {
		t.Errorf("ben's search = %v", got)
	}
	// Limits: 400 naming the limit below the query string's own 4 KiB
	// edge limit, 413 above it; never 500.
	for _, c := range []struct {
		q     string
		code  int
		words string
	}{
		{strings.Repeat("x", 2000), 400, "limit is 1024"},
		{strings.Repeat("a ", 40), 400, "limit is 32"},
		{"urgency:urgent", 400, "not one of high"},
		{"before:someday", 400, "not a date"},
		{strings.Repeat("(", 10<<10), 413, "4096"},
	} {
		resp, b := send(t, "GET", f.srv.URL+"/communications?"+url.Values{"q": {c.q}}.Encode(), "", bearer(ana))
		if resp.StatusCode != c.code || !strings.Contains(b, c.words) || !strings.Contains(b, `"q"`) {
			t.Errorf("q=%.30s… = %d %s, want %d naming q and %q", c.q, resp.StatusCode, b, c.code, c.words)
		}
	}
}
