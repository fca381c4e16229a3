package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/sqlite"
)

// withDeletion wires DELETE /communications/{id} to the fixture's store
// and table.
func withDeletion(h *httpapi.Handler) {
	db := h.Table.(*sqlite.DB)
	h.Deletion = &function.Deletion{Store: h.Store.(function.ObjectRemover), Table: db, Purge: db.PurgeCommunication}
	h.AuditLog = db
}

// isolationMail is a raw e-mail both users receive: each must keep a copy
// of their own under an id of their own.
const isolationMail = "From: Dana <dana@corp.example>\r\nTo: team@corp.example\r\nSubject: Budget review\r\n" +
	"Message-ID: <budget-1@corp.example>\r\nDate: Mon, 2 Jun 2025 09:00:00 +0000\r\n\r\nPlease review the budget by Friday.\r\n"

// TestIsolation: every communication belongs to the user whose key posted
// it, and every read, list, history, profile and delete is scoped to the
// caller: another user's id is 404, as an unknown one is (issue 17).
func TestIsolation(t *testing.T) {
	f := mustAuthServer(t, withDeletion)
	_, ana := f.mustKey(t, "ana", doctales.ScopeRead, doctales.ScopeIngest)
	_, ben := f.mustKey(t, "ben", doctales.ScopeRead, doctales.ScopeIngest)
	_, carl := f.mustKey(t, "carl", doctales.ScopeAdmin)
	url := f.srv.URL
	with := func(key string, kv ...string) map[string]string {
		h := bearer(key)
		for i := 0; i+1 < len(kv); i += 2 {
			h[kv[i]] = kv[i+1]
		}
		return h
	}
	mustPost := func(key, body string, hdr ...string) string {
		t.Helper()
		resp, b := send(t, "POST", url+"/communications", body, with(key, hdr...))
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("POST = %d %s", resp.StatusCode, b)
		}
		var res struct{ ID, S3Key string }
		if err := json.Unmarshal([]byte(b), &res); err != nil {
			t.Fatal(err)
		}
		return res.ID
	}
	anaJSON := `{"id":"ana-plan","source":"email","subject":"Ana's plan","from":"Ana","from_email":"ana@home.example","body":"my secret plan","project":"private","userId":"ben"}`
	anaID := mustPost(ana, anaJSON)
	benID := mustPost(ben, `{"id":"ben-note","source":"email","subject":"Ben's note","from":"Ben","from_email":"ben@work.example","body":"hello","project":"work"}`)
	anaMail := mustPost(ana, isolationMail, "Content-Type", "message/rfc822")
	benMail := mustPost(ben, isolationMail, "Content-Type", "message/rfc822")
	if anaMail == benMail {
		t.Fatalf("the same mail posted by two users got one id %q: one would read the other's copy", anaMail)
	}

	t.Run("OwnerFromKeyNotBody", func(t *testing.T) {
		it, err := f.db.GetItem(context.Background(), anaID)
		if err != nil {
			t.Fatal(err)
		}
		if it.Owner != "ana" {
			t.Fatalf("owner = %q, want ana (the body's userId must not choose it)", it.Owner)
		}
		if !strings.HasPrefix(it.S3Key, "users/ana/") {
			t.Fatalf("s3Key = %q, want it under users/ana/", it.S3Key)
		}
	})
	t.Run("OtherUsersIDIs404", func(t *testing.T) {
		for _, c := range []struct{ method, path string }{
			{"GET", "/communications/" + anaID},
			{"GET", "/communications/" + anaMail},
			{"GET", "/communications/" + anaID + "/events"},
			{"GET", "/communications/" + anaID + "/log"},
			{"DELETE", "/communications/" + anaID},
			{"GET", "/user-profile?userId=ana"},
		} {
			resp, body := send(t, c.method, url+c.path, "", bearer(ben))
			if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `"not_found"`) {
				t.Errorf("ben: %s %s = %d %s, want 404 not_found", c.method, c.path, resp.StatusCode, body)
			}
			// The same answer as for an id that does not exist.
			unknown := strings.ReplaceAll(strings.ReplaceAll(c.path, anaID, "no-such-id"), anaMail, "no-such-id")
			if resp2, _ := send(t, c.method, url+unknown, "", bearer(ben)); resp2.StatusCode != resp.StatusCode && !strings.Contains(c.path, "user-profile") {
				t.Errorf("ben: %s %s = %d, but an unknown id gets %d: existence leaks", c.method, c.path, resp.StatusCode, resp2.StatusCode)
			}
		}
		if resp, _ := send(t, "GET", url+"/communications/"+anaID, "", bearer(ana)); resp.StatusCode != 200 {
			t.Fatalf("ana reading her own = %d", resp.StatusCode)
		}
	})
	t.Run("ListsAreScoped", func(t *testing.T) {
		for _, c := range []struct {
			key, who   string
			want, deny []string
		}{
			{ana, "ana", []string{anaID, anaMail}, []string{benID, benMail}},
			{ben, "ben", []string{benID, benMail}, []string{anaID, anaMail}},
			{carl, "carl (admin)", nil, []string{anaID, anaMail, benID, benMail}},
		} {
			var list httpapi.ListResponse
			resp, body := send(t, "GET", url+"/communications?limit=100", "", bearer(c.key))
			if resp.StatusCode != 200 {
				t.Fatalf("%s list = %d %s", c.who, resp.StatusCode, body)
			}
			if err := json.Unmarshal([]byte(body), &list); err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, it := range list.Communications {
				got[it.ID] = true
			}
			for _, id := range c.want {
				if !got[id] {
					t.Errorf("%s's list lacks %s", c.who, id)
				}
			}
			for _, id := range c.deny {
				if got[id] {
					t.Errorf("%s's list shows %s, another user's", c.who, id)
				}
			}
		}
		_, people := send(t, "GET", url+"/people", "", bearer(ben))
		if strings.Contains(people, "ana@home.example") {
			t.Errorf("ben's /people shows ana's correspondent: %s", people)
		}
		_, projects := send(t, "GET", url+"/projects", "", bearer(ben))
		if strings.Contains(projects, "private") {
			t.Errorf("ben's /projects shows ana's project: %s", projects)
		}
	})
	t.Run("TakenIDIsConflictAndUntouched", func(t *testing.T) {
		resp, body := send(t, "POST", url+"/communications", strings.Replace(anaJSON, "my secret plan", "overwritten by ben", 1), bearer(ben))
		if resp.StatusCode != http.StatusConflict || strings.Contains(body, "secret") {
			t.Fatalf("ben posting ana's id = %d %s, want 409 that says nothing of hers", resp.StatusCode, body)
		}
		_, got := send(t, "GET", url+"/communications/"+anaID, "", bearer(ana))
		if !strings.Contains(got, "my secret plan") || strings.Contains(got, "overwritten") {
			t.Fatalf("ana's communication changed: %s", got)
		}
	})
	t.Run("AdminSeesOperationsNotMail", func(t *testing.T) {
		// A dead letter holding ana's stream record: carl, an admin,
		// sees that it exists and why, not her subject or sender.
		ctx := context.Background()
		recs, err := f.db.ReadLog(ctx, doctales.SourceDynamoDB, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var rec *doctales.LogRecord
		for _, r := range recs {
			if r.Key == anaID {
				rec = r
			}
		}
		if rec == nil || !strings.Contains(string(rec.Data), "Ana's plan") {
			t.Fatalf("no stream record with ana's subject for %s", anaID)
		}
		dl := &doctales.DeadLetter{Subscription: "notification", Source: rec.Source, Key: rec.Key, Seq: rec.Seq, Record: rec.Data, Error: "boom", Reason: "retries exhausted", Attempts: 3}
		if err := f.db.AddDeadLetter(ctx, dl); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/dlq", "/dlq/" + strconv.FormatInt(dl.ID, 10)} {
			resp, body := send(t, "GET", url+path, "", bearer(carl))
			if resp.StatusCode != 200 || !strings.Contains(body, `"withheld":true`) || !strings.Contains(body, "boom") {
				t.Fatalf("carl GET %s = %d %s, want the dead letter with its content withheld", path, resp.StatusCode, body)
			}
			if strings.Contains(body, "Ana's plan") || strings.Contains(body, "ana@home.example") {
				t.Fatalf("carl GET %s shows ana's mail: %s", path, body)
			}
		}
	})
	t.Run("DeleteOwn", func(t *testing.T) {
		resp, body := send(t, "DELETE", url+"/communications/"+anaMail, "", bearer(ana))
		if resp.StatusCode != 200 {
			t.Fatalf("DELETE own = %d %s", resp.StatusCode, body)
		}
		var del function.Deleted
		if err := json.Unmarshal([]byte(body), &del); err != nil {
			t.Fatal(err)
		}
		if len(del.Objects) != 2 { // the JSON object and the .eml original
			t.Errorf("deleted objects = %v, want the JSON and the .eml", del.Objects)
		}
		for _, k := range del.Objects {
			if _, _, err := f.h.Store.Get(context.Background(), k); doctales.ErrorCode(err) != doctales.ENOTFOUND {
				t.Errorf("object %s still there: %v", k, err)
			}
		}
		if resp, _ := send(t, "GET", url+"/communications/"+anaMail, "", bearer(ana)); resp.StatusCode != 404 {
			t.Errorf("GET after delete = %d, want 404", resp.StatusCode)
		}
		if resp, _ := send(t, "DELETE", url+"/communications/"+anaMail, "", bearer(ana)); resp.StatusCode != 404 {
			t.Errorf("second DELETE = %d, want 404", resp.StatusCode)
		}
		// Ben's copy of the same mail is untouched.
		if resp, _ := send(t, "GET", url+"/communications/"+benMail, "", bearer(ben)); resp.StatusCode != 200 {
			t.Errorf("ben's copy after ana's delete = %d, want 200", resp.StatusCode)
		}
		// The delete is audited; ben's refused attempt is not (it
		// would tell the audit reader that the id exists).
		entries, err := f.db.AuditEntries(context.Background(), doctales.AuditFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Action == doctales.AuditDelete {
				n++
				if e.Target != anaMail || e.UserID != "ana" {
					t.Errorf("audit entry = %+v, want ana deleting %s", e, anaMail)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d delete audit entries, want 1", n)
		}
	})
}
