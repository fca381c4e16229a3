package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/httpapi"
)

// TestNowView: GET /communications/now counts every item of a section,
// not the page; leaves out done items and other users' items; names the
// field of a bad parameter.
func TestNowView(t *testing.T) {
	f := mustAuthServer(t, nil)
	_, ana := f.mustKey(t, "ana", doctales.ScopeRead, doctales.ScopeIngest)
	_, bob := f.mustKey(t, "bob", doctales.ScopeRead, doctales.ScopeIngest)
	now := time.Now().UTC()
	post := func(key, id string, age time.Duration, urgency string) {
		t.Helper()
		body := fmt.Sprintf(`{"id":%q,"source":"email","subject":"s %s","from":"Ana","from_email":"ana@acme.example","body":"hello","urgency":%q,"timestamp":%q}`,
			id, id, urgency, now.Add(-age).Format(time.RFC3339))
		if resp, b := send(t, "POST", f.srv.URL+"/communications", body, bearer(key)); resp.StatusCode != 202 {
			t.Fatalf("POST = %d %s", resp.StatusCode, b)
		}
	}
	for i := range 12 {
		post(ana, fmt.Sprintf("h%02d", i), time.Duration(i+1)*time.Minute, "high")
	}
	post(ana, "old", 30*24*time.Hour, "high")
	post(ana, "low", time.Minute, "low")
	post(bob, "bobs", time.Minute, "high")
	if resp, b := send(t, "PATCH", f.srv.URL+"/communications/h03", `{"state":"done"}`, bearer(ana)); resp.StatusCode != 200 {
		t.Fatalf("PATCH = %d %s", resp.StatusCode, b)
	}
	if resp, b := send(t, "PATCH", f.srv.URL+"/communications/low", `{"state":"waiting"}`, bearer(ana)); resp.StatusCode != 200 {
		t.Fatalf("PATCH waiting = %d %s", resp.StatusCode, b)
	}

	get := func(key, query string) (int, *doctales.NowView, string) {
		t.Helper()
		resp, b := send(t, "GET", f.srv.URL+"/communications/now?"+query, "", bearer(key))
		var v doctales.NowView
		if resp.StatusCode == 200 {
			if err := json.Unmarshal([]byte(b), &v); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode, &v, b
	}
	code, v, body := get(ana, "limit=5&tz=Europe/Paris")
	if code != 200 {
		t.Fatalf("GET now = %d %s", code, body)
	}
	if len(v.Sections) != 4 || v.Sections[0].ID != "now" || v.Sections[0].Title != "Needs you now" {
		t.Fatalf("sections = %s", body)
	}
	s := v.Sections[0]
	if s.Count != 11 || len(s.Items) != 5 || s.Items[0].ID != "h00" || !v.Complete {
		t.Errorf("now: count %d, listed %d, first %v; want 11, 5, h00", s.Count, len(s.Items), s.Items[0].ID)
	}
	if !strings.Contains(body, `"reason":"high priority, 1 minute old"`) {
		t.Errorf("no reason in words: %.400s", body)
	}
	if w := v.Sections[3]; w.Count != 1 || w.Items[0].ID != "low" {
		t.Errorf("waiting = %+v", w)
	}
	if _, v, _ := get(bob, ""); v.Sections[0].Count != 1 {
		t.Errorf("bob's now = %d, want 1", v.Sections[0].Count)
	}
	for _, c := range []struct{ query, field string }{{"limit=0", "limit"}, {"limit=101", "limit"}, {"tz=Mars/Base", "tz"}, {"tz=../../etc/passwd", "tz"}} {
		code, _, body := get(ana, c.query)
		if code != 400 || !strings.Contains(body, `"field":"`+c.field+`"`) {
			t.Errorf("?%s = %d %s, want 400 naming %s", c.query, code, body, c.field)
		}
	}
}

// TestThreadsAPI: replies posted as raw mail before their root join its
// thread; GET /threads lists it with the count and people, GET
// /threads/{id} gives the messages oldest first; another user's thread is
// 404.
func TestThreadsAPI(t *testing.T) {
	f := mustAuthServer(t, nil)
	_, ana := f.mustKey(t, "ana", doctales.ScopeRead, doctales.ScopeIngest)
	_, bob := f.mustKey(t, "bob", doctales.ScopeRead, doctales.ScopeIngest)
	mail := func(msgID, from, date, refs string) string {
		m := "Message-ID: <" + msgID + ">\r\nFrom: " + from + "\r\nTo: me@example.com\r\nSubject: Budget\r\nDate: " + date + "\r\n"
		if refs != "" {
			m += "In-Reply-To: <" + refs + ">\r\nReferences: <" + refs + ">\r\n"
		}
		return m + "\r\nbody of " + msgID + "\r\n"
	}
	for _, m := range []string{
		mail("r2@x.example", "Bo <bo@x.example>", "Tue, 01 Dec 2026 11:00:00 +0000", "root/1@x.example"),
		mail("r1@x.example", "Cy <cy@x.example>", "Tue, 01 Dec 2026 10:00:00 +0000", "root/1@x.example"),
		mail("root/1@x.example", "Ana <ana@x.example>", "Tue, 01 Dec 2026 09:00:00 +0000", ""),
		mail("alone@x.example", "Di <di@x.example>", "Mon, 30 Nov 2026 09:00:00 +0000", ""),
	} {
		resp, b := send(t, "POST", f.srv.URL+"/communications", m, map[string]string{"Authorization": "Bearer " + ana, "Content-Type": "message/rfc822"})
		if resp.StatusCode != 202 {
			t.Fatalf("POST mail = %d %s", resp.StatusCode, b)
		}
	}
	resp, body := send(t, "GET", f.srv.URL+"/threads", "", bearer(ana))
	var list httpapi.ThreadsResponse
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &list) != nil {
		t.Fatalf("GET /threads = %d %s", resp.StatusCode, body)
	}
	if list.Count != 2 || list.Threads[0].ID != "root/1@x.example" || list.Threads[0].Count != 3 || len(list.Threads[0].People) != 3 || list.Threads[0].People[0].Name != "Ana" {
		t.Errorf("threads = %s", body)
	}
	resp, body = send(t, "GET", f.srv.URL+"/threads?min=2", "", bearer(ana))
	if err := json.Unmarshal([]byte(body), &list); err != nil || resp.StatusCode != 200 || list.Count != 1 {
		t.Errorf("?min=2 = %d %s", resp.StatusCode, body)
	}

	path := "/threads/" + url.PathEscape("root/1@x.example")
	resp, body = send(t, "GET", f.srv.URL+path, "", bearer(ana))
	var th httpapi.ThreadResponse
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &th) != nil {
		t.Fatalf("GET %s = %d %s", path, resp.StatusCode, body)
	}
	var senders []string
	for _, c := range th.Communications {
		senders = append(senders, c.Sender)
	}
	if fmt.Sprint(senders) != "[Ana Cy Bo]" || th.Thread.Count != 3 {
		t.Errorf("thread messages by %v, want [Ana Cy Bo] (oldest first)", senders)
	}
	// Unescaped too: a Message-ID may hold "/".
	if resp, body := send(t, "GET", f.srv.URL+"/threads/root/1@x.example", "", bearer(ana)); resp.StatusCode != 200 {
		t.Errorf("unescaped = %d %s", resp.StatusCode, body)
	}
	if resp, _ := send(t, "GET", f.srv.URL+path, "", bearer(bob)); resp.StatusCode != 404 {
		t.Errorf("bob reads ana's thread: %d, want 404", resp.StatusCode)
	}
	for q, field := range map[string]string{"/threads?limit=0": "limit", "/threads?min=x": "min", "/threads?next=zz": "next",
		"/threads/" + strings.Repeat("a", doctales.MaxThreadIDBytes+1): "id", "/threads/a%01b": "id"} {
		resp, body := send(t, "GET", f.srv.URL+q, "", bearer(ana))
		if resp.StatusCode != 400 || !strings.Contains(body, `"field":"`+field+`"`) {
			t.Errorf("%.60s = %d %s, want 400 naming %s", q, resp.StatusCode, body, field)
		}
	}
}

// plainTable hides every optional interface of the table it wraps, as a
// table without index support for the view (DynamoDB) would.
type plainTable struct{ doctales.Table }

// TestNowView_Scan: a table that cannot read the view's candidates by
// index is read page by page, with the same sections and counts; threads
// are not enabled on it.
func TestNowView_Scan(t *testing.T) {
	f := mustAuthServer(t, func(h *httpapi.Handler) { h.Table = plainTable{h.Table} })
	now := time.Now().UTC()
	for i := range 1205 { // more than one page of the scan
		urgency := "low"
		if i%100 == 0 {
			urgency = "high"
		}
		body := fmt.Sprintf(`{"id":"m%04d","source":"email","subject":"s","from":"Ana","from_email":"ana@acme.example","body":"hi","urgency":%q,"timestamp":%q}`,
			i, urgency, now.Add(-time.Duration(i)*time.Minute).Format(time.RFC3339))
		if resp, b := send(t, "POST", f.srv.URL+"/communications", body, nil); resp.StatusCode != 202 {
			t.Fatalf("POST = %d %s", resp.StatusCode, b)
		}
	}
	resp, body := send(t, "GET", f.srv.URL+"/communications/now?limit=3", "", nil)
	var v doctales.NowView
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &v) != nil {
		t.Fatalf("GET now = %d %.300s", resp.StatusCode, body)
	}
	// High and fresh (72 h): m0000, m0100, ..., m1200 are all within 21 hours.
	if s := v.Sections[0]; s.Count != 13 || len(s.Items) != 3 || s.Items[0].ID != "m0000" || !v.Complete {
		t.Errorf("now: count %d, listed %d, complete %v; want 13, 3, true", s.Count, len(s.Items), v.Complete)
	}
	if resp, body := send(t, "GET", f.srv.URL+"/threads", "", nil); resp.StatusCode != 404 || !strings.Contains(body, "threads is not enabled") {
		t.Errorf("GET /threads on a plain table = %d %s", resp.StatusCode, body)
	}
}
