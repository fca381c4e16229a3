package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/doctales/doctales/httpapi"
)

// TestListTotal: ?total=true adds how many communications match the
// filters over all pages, distinct from count (this page's); without it
// there is no total; a bad value, or total with attention or q, is 400
// naming total.
func TestListTotal(t *testing.T) {
	f := mustAuthServer(t, nil)
	_, ana := f.mustKey(t, "ana", "read", "ingest")
	for i, project := range []string{"alpha", "alpha", "beta", "alpha", "beta"} {
		body := `{"source":"email","subject":"s` + string(rune('a'+i)) + `","from":"Zed","from_email":"zed@example.com","body":"hi","project":"` + project + `","timestamp":"2026-03-0` + string(rune('1'+i)) + `T09:00:00Z"}`
		if resp, b := send(t, "POST", f.srv.URL+"/communications", body, bearer(ana)); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("POST = %d %s", resp.StatusCode, b)
		}
	}
	list := func(path string) (httpapi.ListResponse, string) {
		t.Helper()
		resp, b := send(t, "GET", f.srv.URL+path, "", bearer(ana))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d %s", path, resp.StatusCode, b)
		}
		var l httpapi.ListResponse
		if err := json.Unmarshal([]byte(b), &l); err != nil {
			t.Fatal(err)
		}
		return l, b
	}
	for _, c := range []struct {
		path         string
		count, total int
	}{
		{"/communications?limit=2&total=true", 2, 5},
		{"/communications?limit=2&total=1&project=alpha", 2, 3},
		{"/communications?limit=10&total=true&project=beta", 2, 2},
		{"/communications?total=true&project=gamma", 0, 0},
		{"/communications?limit=1&total=true&sender=zed@example.com", 1, 5},
	} {
		l, b := list(c.path)
		if l.Count != c.count || l.Total == nil || *l.Total != int64(c.total) {
			t.Errorf("GET %s: count %d total %v, want %d and %d (%s)", c.path, l.Count, l.Total, c.count, c.total, b)
		}
	}
	// The second page counts the same total.
	first, _ := list("/communications?limit=2&total=true")
	second, _ := list("/communications?limit=2&total=true&next=" + first.Next)
	if second.Total == nil || *second.Total != 5 || second.Count != 2 {
		t.Errorf("second page: count %d total %v, want 2 and 5", second.Count, second.Total)
	}
	if l, b := list("/communications?limit=2"); l.Total != nil || strings.Contains(b, `"total"`) {
		t.Errorf("without total=true the answer has a total: %s", b)
	}
	for _, path := range []string{"/communications?total=yes", "/communications?total=true&attention=now", "/communications?total=true&q=hi"} {
		resp, b := send(t, "GET", f.srv.URL+path, "", bearer(ana))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(b, `"field":"total"`) {
			t.Errorf("GET %s = %d %s, want 400 naming total", path, resp.StatusCode, b)
		}
	}
}
