package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadConfig_Env: a ${VAR} that is not set is an error naming the
// variable and the setting (issue 10: an unset webhook secret silently
// meant unsigned deliveries); an empty one is refused in a secret only.
func TestReadConfig_Env(t *testing.T) {
	t.Setenv("DT_TEST_SECRET", "s3cret")
	t.Setenv("DT_TEST_EMPTY", "")
	os.Unsetenv("DT_TEST_UNSET")
	write := func(body string) string {
		path := filepath.Join(t.TempDir(), "doctales.yaml")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	hook := func(endpoint, secret string) string {
		return "topic:\n  allowPrivateTargets: [127.0.0.1/32]\n  subscriptions:\n    - protocol: webhook\n      endpoint: " + endpoint + "\n      secret: " + secret + "\n"
	}

	t.Run("OK", func(t *testing.T) {
		cfg, err := ReadConfig(write(hook("http://127.0.0.1:9/hook", "${DT_TEST_SECRET}") + "data: ${DT_TEST_EMPTY}\n"))
		if err != nil {
			t.Fatal(err)
		}
		if s := cfg.Topic.Subscriptions[0].Secret; s != "s3cret" {
			t.Fatalf("secret = %q", s)
		}
		if cfg.Data != DefaultConfig().Data {
			t.Fatalf("an empty variable in data gave %q, want the default", cfg.Data)
		}
	})
	for name, tc := range map[string]struct{ body, want string }{
		"UnsetSecret":   {hook("http://127.0.0.1:9/hook", "${DT_TEST_UNSET}"), "topic.subscriptions[0].secret: environment variable DT_TEST_UNSET is not set"},
		"UnsetEndpoint": {hook("${DT_TEST_UNSET}", "x"), "topic.subscriptions[0].endpoint: environment variable DT_TEST_UNSET is not set"},
		"BareDollar":    {"env: $DT_TEST_UNSET\n", "env: environment variable DT_TEST_UNSET is not set"},
		"EmptySecret":   {hook("http://127.0.0.1:9/hook", "${DT_TEST_EMPTY}"), "topic.subscriptions[0].secret: environment variable DT_TEST_EMPTY is empty"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadConfig(write(tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want it to say %q", err, tc.want)
			}
		})
	}

	// The real program refuses to start, saying why.
	t.Run("Serve", func(t *testing.T) {
		cmd := exec.Command(binPath, "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0",
			"--config", write(hook("http://127.0.0.1:9/hook", "${DT_TEST_UNSET}")))
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "DT_TEST_UNSET is not set") {
			t.Fatalf("serve with an unset secret: %v\n%s", err, out)
		}
	})
}
