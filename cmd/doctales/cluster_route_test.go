package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales/postgres"
)

// routeMails writes n raw e-mails (each its own Message-ID, named after
// prefix) into a new folder and returns it.
func routeMails(t *testing.T, prefix string, n int) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		mail := fmt.Sprintf("From: Ana Ruiz <ana@acme.example>\r\nTo: me@example.com\r\nSubject: Invoice %d\r\n"+
			"Message-ID: <%s-%d@acme.example>\r\nDate: Fri, 04 Dec 2026 10:00:00 +0000\r\n\r\nPlease find invoice %d attached.\r\n", i, prefix, i, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("mail-%d.eml", i)), []byte(mail), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// apiCount is how many communications the api at url lists.
func apiCount(t *testing.T, url string) int {
	t.Helper()
	var list struct {
		Communications []map[string]any
		Count          int
	}
	if code := getJSON(t, url+"/communications?limit=100", &list); code != 200 {
		t.Fatalf("GET %s/communications answered %d", url, code)
	}
	return list.Count
}

// TestCluster_ImportThroughRegistry: import, ingest and invoke given the
// cluster's DSN (--postgres, or postgres: of --config) and no --url send
// through the live api process of the process registry. With no live api
// process registered (none at all; an api lost; an api registered where
// nothing answers) import fails naming what it looked for and how to fix
// it, and nothing is stored; with a real api process the mails are items
// through it, once (a second import skips them all); the data folder is
// left untouched; --url wins over the registry; a cluster with users wants
// a key before anything is sent; invoke ingestion goes through the api,
// the other functions are refused.
func TestCluster_ImportThroughRegistry(t *testing.T) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	db := clusterDB(t, env.Postgres)
	ctx := context.Background()
	mails := routeMails(t, "open", 3)
	data := filepath.Join(t.TempDir(), "data") // must stay absent: nothing is imported locally
	importArgs := func(extra ...string) []string {
		return append([]string{"import", mails, "--data", data, "--progress", "none"}, extra...)
	}
	items := func() int {
		t.Helper()
		var n int
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM items`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	refused := func(want ...string) {
		t.Helper()
		out, stderr, err := runBin(t, "", nil, importArgs("--postgres", env.Postgres)...)
		if binExit(err) != 1 {
			t.Fatalf("import --postgres with no live api process: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", binExit(err), out, stderr)
		}
		for _, w := range append([]string{"no live api process in the process registry of --postgres", "role api or all",
			"Nothing was sent", "doctales serve --role api --postgres DSN", "--url"}, want...) {
			if !strings.Contains(stderr, w) {
				t.Errorf("import --postgres with no live api process: stderr lacks %q:\n%s", w, stderr)
			}
		}
		if n := items(); n != 0 {
			t.Errorf("after a refused import the cluster has %d items", n)
		}
		if _, err := os.Stat(data); !os.IsNotExist(err) {
			t.Errorf("a refused import made the data folder %s (%v)", data, err)
		}
	}

	// No process registered at all.
	refused("no process is registered")

	// A worker live and an api process lost (its heartbeat of 10ms
	// missed three times): still none to send through.
	ghostExt := freeAddr(t)
	if _, err := db.RegisterProcess(ctx, postgres.Process{ID: postgres.NewProcessID(), Role: RoleExtraction, Host: "h", PID: 7,
		Address: ghostExt, Heartbeat: time.Hour}); err != nil {
		t.Fatal(err)
	}
	lostAPI := freeAddr(t)
	lost, err := db.RegisterProcess(ctx, postgres.Process{ID: postgres.NewProcessID(), Role: RoleAPI, Host: "h", PID: 8,
		Address: lostAPI, Heartbeat: postgres.MinHeartbeat})
	if err != nil {
		t.Fatal(err)
	}
	waitCond(t, 10*time.Second, func() string { return "the api registered with a 10ms heartbeat is not lost" }, func() bool {
		ps, err := db.Processes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.ID == lost.ID {
				return p.Lost
			}
		}
		return false
	})
	refused("registered: ", "extraction at "+ghostExt+" live", "api at "+lostAPI+" lost")

	// An api process registered live where nothing listens: it is tried
	// and does not answer.
	deadAPI := freeAddr(t)
	if _, err := db.RegisterProcess(ctx, postgres.Process{ID: postgres.NewProcessID(), Role: RoleAPI, Host: "h", PID: 9,
		Address: deadAPI, Heartbeat: time.Hour}); err != nil {
		t.Fatal(err)
	}
	refused("none answered GET /healthz", deadAPI)

	// A real api process: the mails go through it (the dead one is
	// skipped), once.
	api := env.start(t, "api", RoleAPI)
	waitCond(t, 30*time.Second, func() string { return "the api process is not in the registry" }, func() bool {
		ps, err := db.Processes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Address == api.addr && !p.Lost {
				return true
			}
		}
		return false
	})
	out, stderr, err := runBin(t, "", nil, importArgs("--postgres", env.Postgres)...)
	if err != nil {
		t.Fatalf("import --postgres: %v\nstdout:\n%s\nstderr:\n%s\napi logs:\n%s", err, out, stderr, api.Logs())
	}
	if !strings.Contains(out, "imported 3, skipped 0, failed 0 of 3 found") {
		t.Errorf("import --postgres summary:\n%s", out)
	}
	if !strings.Contains(stderr, "going through the cluster's api process") || !strings.Contains(stderr, "http://"+api.addr) {
		t.Errorf("import --postgres does not say it goes through %s:\n%s", api.addr, stderr)
	}
	if n := apiCount(t, api.url()); n != 3 {
		t.Errorf("the api lists %d communications after importing 3 mails", n)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("import --postgres made the data folder %s (%v): it imported locally", data, err)
	}

	// Again, with postgres: in the configuration instead of the flag:
	// every mail skipped, still 3 items.
	cfgFile := filepath.Join(t.TempDir(), "doctales.yaml")
	if err := os.WriteFile(cfgFile, []byte("postgres: ${ROUTE_TEST_DSN}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err = runBin(t, "", []string{"ROUTE_TEST_DSN=" + env.Postgres}, importArgs("--config", cfgFile)...)
	if err != nil {
		t.Fatalf("import --config with postgres: %v\n%s\n%s", err, out, stderr)
	}
	if !strings.Contains(out, "imported 0, skipped 3, failed 0 of 3 found") || !strings.Contains(stderr, "postgres (config)") {
		t.Errorf("import again with postgres: in --config:\nstdout:\n%s\nstderr:\n%s", out, stderr)
	}
	if n := items(); n != 3 {
		t.Errorf("the cluster has %d items after importing 3 mails twice, want 3", n)
	}

	// --url wins over the registry: a DSN nothing answers on is not read.
	out, stderr, err = runBin(t, "", nil, importArgs("--url", api.url(), "--postgres", "postgres://nobody@127.0.0.1:1/none")...)
	if err != nil || !strings.Contains(out, "skipped 3") || strings.Contains(stderr, "registry") {
		t.Errorf("import --url with --postgres: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr)
	}

	// ingest of one file through the registry.
	out, stderr, err = runBin(t, "", nil, "ingest", filepath.Join(mails, "mail-0.eml"), "--data", data, "--postgres", env.Postgres)
	var res map[string]any
	if err != nil || json.Unmarshal([]byte(out), &res) != nil || res["id"] == "" || res["replayed"] != true {
		t.Errorf("ingest --postgres of an imported mail: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr)
	}

	// invoke: ingestion through the api; the other functions refused.
	out, stderr, err = runBin(t, "", nil, "invoke", "ingestion", "--event", "../../events/api-gateway-post.json", "--data", data, "--postgres", env.Postgres)
	if err != nil || !strings.Contains(out, `"statusCode": 202`) && !strings.Contains(out, `"statusCode":202`) || !strings.Contains(stderr, api.addr) {
		t.Errorf("invoke ingestion --postgres: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr)
	}
	if n := items(); n != 4 {
		t.Errorf("the cluster has %d items after invoke ingestion, want 4", n)
	}
	_, stderr, err = runBin(t, "", nil, "invoke", "extraction", "--event", "../../events/s3-object-created.json", "--data", data, "--postgres", env.Postgres)
	if binExit(err) != 1 || !strings.Contains(stderr, "invoke extraction: --postgres") || !strings.Contains(stderr, "extraction processes run the extraction function") {
		t.Errorf("invoke extraction --postgres: exit %d, stderr:\n%s", binExit(err), stderr)
	}

	// Once the cluster has a user, no key is refused before anything is
	// sent, naming the variable; with a key the import goes through.
	if _, stderr, err := runBin(t, "route-password-1234\n", nil, "users", "add", "ana", "--postgres", env.Postgres); err != nil {
		t.Fatalf("users add: %v\n%s", err, stderr)
	}
	more := routeMails(t, "ana", 2)
	_, stderr, err = runBin(t, "", nil, "import", more, "--data", data, "--progress", "none", "--postgres", env.Postgres)
	if binExit(err) != 1 || !strings.Contains(stderr, "has users") || !strings.Contains(stderr, EnvAPIKey) {
		t.Errorf("import --postgres without a key into a cluster with users: exit %d, stderr:\n%s", binExit(err), stderr)
	}
	if n := items(); n != 4 {
		t.Errorf("a refused import left %d items, want 4", n)
	}
	key, stderr, err := runBin(t, "", nil, "keys", "create", "--user", "ana", "--scope", "ingest", "--postgres", env.Postgres)
	if err != nil {
		t.Fatalf("keys create: %v\n%s", err, stderr)
	}
	out, stderr, err = runBin(t, "", []string{EnvAPIKey + "=" + strings.TrimSpace(key)}, "import", more, "--data", data, "--progress", "none", "--postgres", env.Postgres)
	if err != nil || !strings.Contains(out, "imported 2, skipped 0, failed 0 of 2 found") {
		t.Errorf("import --postgres with a key: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr)
	}
	if n := items(); n != 6 {
		t.Errorf("the cluster has %d items, want 6", n)
	}
}
