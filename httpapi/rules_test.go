package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/httpapi"
)

// TestRules_API walks the rules routes: the default rule is listed before
// anything is stored; a rule is created (201), read, changed in part by PUT
// (disabled), previewed against the caller's own communications only, and
// deleted (204); bad input is 400 naming the field and, for a pattern, the
// offset; the default rule can be disabled but not deleted; a read-only key
// may list and preview but not write; another user never sees the rule.
func TestRules_API(t *testing.T) {
	f := mustAuthServer(t, func(h *httpapi.Handler) {
		h.Channels = []string{"browser", "log", "webhook"}
		h.Rules = nil // set below, once the DB exists
	})
	f.h.Rules = f.db
	_, ana := f.mustKey(t, "ana", doctales.ScopeRead, doctales.ScopeIngest)
	_, anaRead := f.mustKey(t, "ana", doctales.ScopeRead)
	_, ben := f.mustKey(t, "ben", doctales.ScopeRead, doctales.ScopeIngest)
	do := func(key, method, path, body string) (int, string) {
		t.Helper()
		resp, b := send(t, method, f.srv.URL+path, body, bearer(key))
		return resp.StatusCode, b
	}

	code, body := do(ana, "GET", "/rules", "")
	var list httpapi.RulesResponse
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Rules) != 1 || list.Rules[0].ID != "default" ||
		!list.Rules[0].Enabled || len(list.Channels) != 3 {
		t.Fatalf("GET /rules on a new user = %d %s; want the default rule and three channels", code, body)
	}

	// Bad input: each names the field (and a pattern the offset).
	for _, tc := range []struct{ body, field, want string }{
		{`{"name":"x","pattern":{"a":[{"numeric":[">"]}]},"targets":["log"]}`, "pattern", "offset"},
		{`{"name":"x","pattern":"{\"a\": [1,]}","targets":["log"]}`, "pattern", "offset"},
		{`{"name":"x","pattern":{"a":["b"]},"targets":["sms"]}`, "targets[0]", `"sms"`},
		{`{"name":"x","pattern":{"a":["b"]},"targets":["log"],"colour":"red"}`, "colour", "not known"},
		{`{"name":"x","pattern":{"a":["b"]},"targets":["log"],"order":"first"}`, "order", "whole number"},
		{`{"pattern":{"a":["b"]},"targets":["log"]}`, "name", "required"},
	} {
		code, body := do(ana, "POST", "/rules", tc.body)
		var e httpapi.ErrorResponse
		_ = json.Unmarshal([]byte(body), &e)
		if code != 400 || e.Field != tc.field || !strings.Contains(e.Error, tc.want) {
			t.Errorf("POST %s = %d %s; want 400 on %s naming %s", tc.body, code, body, tc.field, tc.want)
		}
	}

	// Communications to preview against: two of ana's, one of ben's.
	post := func(key, id, subject, project string) {
		t.Helper()
		b := `{"id":"` + id + `","source":"email","subject":"` + subject + `","project":"` + project + `","from":"Ana","from_email":"ana@acme.example","body":"hello"}`
		if code, body := do(key, "POST", "/communications", b); code != 202 {
			t.Fatalf("POST /communications = %d %s", code, body)
		}
	}
	post(ana, "a1", "Launch plan", "launch")
	post(ana, "a2", "Lunch", "office")
	post(ben, "b1", "Launch too", "launch")

	pat := `{"dynamodb":{"NewImage":{"project":{"S":["launch"]}}}}`
	code, body = do(anaRead, "POST", "/rules/test", `{"pattern":`+pat+`}`)
	var tr httpapi.RuleTestResponse
	if code != 200 || json.Unmarshal([]byte(body), &tr) != nil || tr.Tested != 2 || len(tr.Matches) != 1 ||
		tr.Matches[0].ID != "a1" || tr.Matches[0].Subject != "Launch plan" {
		t.Fatalf("POST /rules/test = %d %s; want a1 alone of 2 tested", code, body)
	}

	// Create, with a read-only key refused.
	rule := `{"id":"launch","name":"Launch","order":-5,"pattern":` + pat + `,"targets":["log","webhook"]}`
	if code, _ := do(anaRead, "POST", "/rules", rule); code != http.StatusForbidden {
		t.Errorf("POST /rules with a read key = %d, want 403", code)
	}
	code, body = do(ana, "POST", "/rules", rule)
	if code != 201 || !strings.Contains(body, `"enabled":true`) {
		t.Fatalf("POST /rules = %d %s", code, body)
	}
	if code, _ := do(ana, "POST", "/rules", rule); code != 409 {
		t.Errorf("POST of a taken id = %d, want 409", code)
	}
	code, body = do(ana, "POST", "/rules/launch/test", "")
	if code != 200 || !strings.Contains(body, `"id":"a1"`) {
		t.Errorf("POST /rules/launch/test = %d %s", code, body)
	}
	if code, _ := do(ben, "GET", "/rules/launch", ""); code != 404 {
		t.Errorf("ben GET ana's rule = %d, want 404", code)
	}

	// PUT changes only what it is given.
	code, body = do(ana, "PUT", "/rules/launch", `{"enabled":false}`)
	var got doctales.Rule
	if code != 200 || json.Unmarshal([]byte(body), &got) != nil || got.Enabled || got.Name != "Launch" || len(got.Targets) != 2 {
		t.Fatalf("PUT enabled=false = %d %s", code, body)
	}
	if code, body := do(ana, "PUT", "/rules/launch", `{"id":"other"}`); code != 400 || !strings.Contains(body, `"field":"id"`) {
		t.Errorf("PUT with another id = %d %s, want 400 on id", code, body)
	}

	// The default rule: editable, not deletable.
	if code, body := do(ana, "PUT", "/rules/default", `{"enabled":false}`); code != 200 || !strings.Contains(body, `"default":true`) {
		t.Errorf("PUT /rules/default = %d %s", code, body)
	}
	if code, body := do(ana, "DELETE", "/rules/default", ""); code != 400 || !strings.Contains(body, "disable") {
		t.Errorf("DELETE /rules/default = %d %s, want 400 saying to disable it", code, body)
	}
	code, body = do(ana, "GET", "/rules", "")
	list = httpapi.RulesResponse{}
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Rules) != 2 || list.Rules[0].ID != "launch" || list.Rules[1].Enabled {
		t.Errorf("GET /rules = %d %s; want launch first, then the disabled default", code, body)
	}

	if code, _ := do(ana, "DELETE", "/rules/launch", ""); code != 204 {
		t.Errorf("DELETE /rules/launch = %d, want 204", code)
	}
	if code, _ := do(ana, "DELETE", "/rules/launch", ""); code != 404 {
		t.Errorf("second DELETE = %d, want 404", code)
	}
}

// TestRules_NotSupported: without a rule store the routes answer 501 with
// a message saying so.
func TestRules_NotSupported(t *testing.T) {
	f := mustAuthServer(t, nil)
	resp, body := send(t, "GET", f.srv.URL+"/rules", "", nil)
	if resp.StatusCode != http.StatusNotImplemented || !strings.Contains(body, "not supported") {
		t.Errorf("GET /rules without a store = %d %s, want 501", resp.StatusCode, body)
	}
}
