package lambda_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/doctales/doctales/internal/hostile"
)

// TestBootstrap_APIHostileDocuments posts hostile PDFs to the API
// function's bootstrap: the one that overflows the stack and the one that
// asks for 160 GB end in the sandboxed parser worker as a 400 and a 413,
// and the same function process then answers /healthz. Parsing comes
// before storage, so no AWS service is needed.
func TestBootstrap_APIHostileDocuments(t *testing.T) {
	rt := newFakeRuntime(t)
	start(t, rt, "api", unreachable)
	files := map[string]hostile.File{}
	for _, f := range hostile.PDFs() {
		files[f.Name] = f
	}
	for _, tc := range []struct {
		name   string
		status int
		msg    string
	}{
		// The stack limit is a quarter of the memory limit.
		{"objstm-self.pdf", 400, "pdf: parser crashed (stack overflow, limit 32 MiB)"},
		// The bootstrap runs with 256 MB of function memory: the worker
		// gets half.
		{"xref-4000000000.pdf", 413, "pdf: parser ran out of memory (limit 128 MiB)"},
	} {
		ev := apiV2("POST", "/communications", base64.StdEncoding.EncodeToString(files[tc.name].Data))
		ev["headers"] = map[string]string{"content-type": "application/pdf"}
		ev["isBase64Encoded"] = true
		res := rt.invoke(t, ev)
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(res.body, &resp); err != nil || res.kind != "response" {
			t.Fatalf("%s: %s %s", tc.name, res.kind, res.body)
		}
		var body struct{ Error, Code, Field string }
		_ = json.Unmarshal([]byte(resp.Body), &body)
		if resp.StatusCode != tc.status || body.Error != tc.msg || body.Field != "file" {
			t.Fatalf("%s: %d %s, want %d %q", tc.name, resp.StatusCode, resp.Body, tc.status, tc.msg)
		}
	}
	res := rt.invoke(t, apiV2("GET", "/healthz", ""))
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res.body, &resp); err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Body, `"ok"`) {
		t.Fatalf("healthz after the hostile files: %s %s", res.kind, res.body)
	}
}
