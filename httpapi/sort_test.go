package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/doctales/doctales/httpapi"
)

// TestListSort: GET /communications?sort= orders by a column, pages in
// that order, and answers 400 naming the field for an unknown sort (with
// the allowed values), a sort with q or attention, and a cursor of
// another sort.
func TestListSort(t *testing.T) {
	f := mustAuthServer(t, nil)
	_, ana := f.mustKey(t, "ana", "read", "ingest")
	for _, body := range []string{
		`{"source":"email","subject":"banana","from":"Zed","from_email":"zed@example.com","body":"hi","timestamp":"2026-03-01T09:00:00Z"}`,
		`{"source":"email","subject":"Apple","from":"amy","from_email":"amy@example.com","body":"hi","timestamp":"2026-03-02T09:00:00Z"}`,
		`{"source":"email","subject":"cherry","from":"Bea","from_email":"bea@example.com","body":"hi","timestamp":"2026-03-03T09:00:00Z"}`,
	} {
		if resp, b := send(t, "POST", f.srv.URL+"/communications", body, bearer(ana)); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("POST = %d %s", resp.StatusCode, b)
		}
	}
	get := func(path string, want int) string {
		t.Helper()
		resp, b := send(t, "GET", f.srv.URL+path, "", bearer(ana))
		if resp.StatusCode != want {
			t.Fatalf("GET %s = %d %s, want %d", path, resp.StatusCode, b, want)
		}
		return b
	}
	// pages reads every page of a sort, one item a page.
	pages := func(sort string) (subjects []string, firstNext string) {
		t.Helper()
		next := ""
		for range 10 {
			var list httpapi.ListResponse
			if err := json.Unmarshal([]byte(get("/communications?limit=1&sort="+sort+"&next="+url.QueryEscape(next), 200)), &list); err != nil {
				t.Fatal(err)
			}
			for _, c := range list.Communications {
				subjects = append(subjects, c.Subject)
			}
			if firstNext == "" {
				firstNext = list.Next
			}
			if next = list.Next; next == "" {
				return subjects, firstNext
			}
		}
		t.Fatalf("sort %s: more than 10 pages", sort)
		return nil, ""
	}
	for sort, want := range map[string]string{
		"subject":  "Apple banana cherry",
		"-subject": "cherry banana Apple",
		"sender":   "Apple cherry banana",
		"-sender":  "banana cherry Apple",
		"newest":   "cherry Apple banana",
		"oldest":   "banana Apple cherry",
	} {
		if got, _ := pages(sort); strings.Join(got, " ") != want {
			t.Errorf("sort=%s: %v, want %s", sort, got, want)
		}
	}

	errField := func(body string) string {
		var e struct {
			Field string `json:"field"`
		}
		_ = json.Unmarshal([]byte(body), &e)
		return e.Field
	}
	b := get("/communications?sort=sideways", 400)
	if errField(b) != "sort" || !strings.Contains(b, "urgency, -urgency, sender, -sender, subject, -subject, deadline, -deadline") {
		t.Errorf("unknown sort: %s, want field sort and the allowed values", b)
	}
	for _, path := range []string{
		"/communications?q=apple&sort=urgency",
		"/communications?q=apple&sort=subject&format=csv",
		"/communications?attention=now&sort=deadline",
	} {
		if b := get(path, 400); errField(b) != "sort" {
			t.Errorf("GET %s: %s, want 400 naming sort", path, b)
		}
	}
	_, bySubject := pages("subject")
	_, byTime := pages("newest")
	for _, path := range []string{
		"/communications?limit=1&sort=sender&next=" + url.QueryEscape(bySubject),
		"/communications?limit=1&next=" + url.QueryEscape(bySubject),
		"/communications?limit=1&sort=subject&next=" + url.QueryEscape(byTime),
	} {
		if b := get(path, 400); errField(b) != "next" || !strings.Contains(b, "sort") {
			t.Errorf("GET %s: %s, want 400 naming next and the sort", path, b)
		}
	}
}
