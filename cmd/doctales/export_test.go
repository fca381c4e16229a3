package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doctales/doctales"
	dtddb "github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/notify"
)

// seed stores n communications (every third high) in a new data folder and
// returns its configuration.
func seed(t *testing.T, n int) Config {
	t.Helper()
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	ds, err := openDataset(ctx, cfg, awsFlags{}, slog.New(slog.DiscardHandler), false, false, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer ds.close()
	t0 := time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)
	for i := range n {
		c := &doctales.Communication{ID: fmt.Sprintf("c%02d", i), Type: "email", Timestamp: t0.Add(time.Duration(i) * time.Minute), Project: "home-purchase", Subject: fmt.Sprintf("Subject %d", i), Content: "body"}
		it := doctales.NewItem(c, t0)
		if i%3 == 0 {
			it.Metadata.Urgency = doctales.UrgencyHigh
			it.Status = doctales.StatusExtracted
			it.Dimensions = &doctales.Dimensions{Urgency: "high", UrgencyScore: 0.9}
		}
		if _, _, err := ds.table.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		if _, err := ds.store.Put(ctx, it.S3Key, []byte(fmt.Sprintf(`{"id":%q}`, c.ID)), "application/json"); err != nil {
			t.Fatal(err)
		}
	}
	return cfg
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestExportRestore_Embedded(t *testing.T) {
	ctx := context.Background()
	src := seed(t, 7)
	out := filepath.Join(t.TempDir(), "export")

	var stdout bytes.Buffer
	if err := run(ctx, []string{"export", "--data", src.Data, "--out", out, "--log-level", "error"}, nil, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "exported 7 items and 7 objects") {
		t.Errorf("export said %q", stdout.String())
	}
	if n := strings.Count(readFile(t, filepath.Join(out, exportItemsFile)), "\n"); n != 7 {
		t.Errorf("%d item lines", n)
	}
	if got := readFile(t, filepath.Join(out, exportObjectsFolder, "email/2025/06/10/c03.json")); got != `{"id":"c03"}` {
		t.Errorf("object file = %q", got)
	}

	t.Run("ErrNotEmpty", func(t *testing.T) {
		if err := run(ctx, []string{"export", "--data", src.Data, "--out", out}, nil, &stdout, &stdout); err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Errorf("export into a full folder: %v", err)
		}
	})

	// Restore into a new data folder, twice.
	dst := t.TempDir()
	for i, want := range []string{"restored 7 items (0 already there) and 7 objects", "restored 0 items (7 already there) and 7 objects"} {
		stdout.Reset()
		if err := run(ctx, []string{"restore", "--data", dst, "--from", out, "--log-level", "error"}, nil, &stdout, &stdout); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout.String(), want) || !strings.Contains(stdout.String(), "3 notifications marked sent") {
			t.Errorf("restore %d said %q", i+1, stdout.String())
		}
	}

	// The restored folder exports the same items and objects.
	again := filepath.Join(t.TempDir(), "again")
	if err := run(ctx, []string{"export", "--data", dst, "--out", again, "--log-level", "error"}, nil, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{exportItemsFile, exportObjectsFile} {
		if a, b := readFile(t, filepath.Join(out, f)), readFile(t, filepath.Join(again, f)); a != b {
			t.Errorf("%s differs after a round trip:\n%s\n---\n%s", f, a, b)
		}
	}

	// High items are marked sent: their INSERT records will not notify.
	cfg := DefaultConfig()
	cfg.Data = dst
	ds, err := openDataset(ctx, cfg, awsFlags{}, slog.New(slog.DiscardHandler), false, true, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer ds.close()
	if sent, err := ds.ledger.Sent(ctx, notify.MessageID("c03", notify.EscalationUrgencyHigh)); err != nil || !sent {
		t.Errorf("c03 not marked sent: %v %v", sent, err)
	}
	if sent, _ := ds.ledger.Sent(ctx, notify.MessageID("c01", notify.EscalationUrgencyHigh)); sent {
		t.Error("c01 (not high) marked sent")
	}
	it, err := ds.table.GetItem(ctx, "c03")
	if err != nil || it.Dimensions == nil || it.Status != doctales.StatusExtracted {
		t.Errorf("restored item %+v, %v", it, err)
	}

	t.Run("ErrDamaged", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(out, exportObjectsFolder, "email/2025/06/10/c03.json"), []byte("changed"), 0o644); err != nil {
			t.Fatal(err)
		}
		err := run(ctx, []string{"restore", "--data", t.TempDir(), "--from", out, "--log-level", "error"}, nil, &stdout, &stdout)
		if err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
			t.Errorf("damaged export: %v", err)
		}
	})

	t.Run("ErrNoManifest", func(t *testing.T) {
		err := run(ctx, []string{"restore", "--data", t.TempDir(), "--from", t.TempDir()}, nil, &stdout, &stdout)
		if err == nil || !strings.Contains(err.Error(), "manifest.json") {
			t.Errorf("no manifest: %v", err)
		}
	})
}

// TestExportRestore_AWS moves a data folder to DynamoDB and S3 (dynalite
// and s3rver) and back.
func TestExportRestore_AWS(t *testing.T) {
	ctx := context.Background()
	s3End, ddbEnd := testutil.S3Endpoint(t), testutil.DynamoDBEndpoint(t)
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": testutil.TestAccessKey, "AWS_SECRET_ACCESS_KEY": testutil.TestSecretKey, "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_REQUEST_CHECKSUM_CALCULATION": "when_required", "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
	} {
		t.Setenv(k, v)
	}
	suffix := fmt.Sprint(time.Now().UnixNano())
	bucket, table, ledger := "export-"+suffix, "communications-"+suffix, "ledger-"+suffix
	s3c := s3.NewFromConfig(testutil.AWSConfig(s3End), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	ddb := dynamodb.NewFromConfig(testutil.AWSConfig(ddbEnd))
	if err := dtddb.NewTable(ddb, table).CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	if err := dtddb.NewLedger(ddb, ledger).CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(testutil.StopServers)
	awsArgs := []string{"--aws", "--bucket", bucket, "--table", table, "--ledger-table", ledger,
		"--s3-endpoint", s3End, "--dynamodb-endpoint", ddbEnd, "--s3-path-style", "--log-level", "error"}

	src := seed(t, 5)
	out := filepath.Join(t.TempDir(), "export")
	var stdout bytes.Buffer
	// A rule travels too: rules are items of the DynamoDB table.
	if err := run(ctx, []string{"rules", "add", "--data", src.Data, "--id", "fin", "--name", "Finance", "--target", "log",
		"--pattern", `{"dynamodb":{"NewImage":{"project":{"S":["finance"]}}}}`, "--log-level", "error"}, nil, &stdout, &stdout); err != nil {
		t.Fatalf("rules add: %v %s", err, stdout.String())
	}
	if err := run(ctx, []string{"export", "--data", src.Data, "--out", out, "--log-level", "error"}, nil, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	if err := run(ctx, append([]string{"restore", "--from", out}, awsArgs...), nil, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "restored 5 items (0 already there) and 5 objects into aws:") ||
		!strings.Contains(stdout.String(), "restored 1 notification rules (0 already there)\n") {
		t.Errorf("restore to AWS said %q", stdout.String())
	}

	back := filepath.Join(t.TempDir(), "back")
	stdout.Reset()
	if err := run(ctx, append([]string{"export", "--out", back}, awsArgs...), nil, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{exportItemsFile, exportObjectsFile, exportRulesFile} {
		a, b := readFile(t, filepath.Join(out, f)), readFile(t, filepath.Join(back, f))
		if f == exportObjectsFile {
			// S3 computes its own ETags; compare without them.
			a, b = dropETags(a), dropETags(b)
		}
		if f == exportRulesFile {
			// A restored rule is written anew: its times are the restore's.
			times := regexp.MustCompile(`,"createdAt":"[^"]*","updatedAt":"[^"]*"`)
			a, b = times.ReplaceAllString(a, ""), times.ReplaceAllString(b, "")
		}
		if a != b {
			t.Errorf("%s differs after embedded → AWS → export:\n%s\n---\n%s", f, a, b)
		}
	}
}

// dropETags removes the etag fields of objects.jsonl lines.
func dropETags(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, `"etag":`); i >= 0 {
			j := strings.Index(line[i:], `",`)
			line = line[:i] + line[i+j+2:]
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// TestExport_User: export --user holds that user's communications and
// their objects (JSON, raw original, attachments) and nobody else's.
func TestExport_User(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	ds, err := openDataset(ctx, cfg, awsFlags{}, slog.New(slog.DiscardHandler), false, false, "test")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)
	for _, owner := range []string{"ana", "ben"} {
		for i := range 3 {
			c := &doctales.Communication{ID: fmt.Sprintf("%s-%d", owner, i), Owner: owner, Type: "email", Timestamp: t0, Subject: owner + " subject", Content: "body"}
			it := doctales.NewItem(c, t0)
			if _, _, err := ds.table.CreateItem(ctx, it); err != nil {
				t.Fatal(err)
			}
			prefix := strings.TrimSuffix(it.S3Key, ".json")
			for _, k := range []string{it.S3Key, prefix + ".eml", prefix + "/attachments/1-a.pdf"} {
				if _, err := ds.store.Put(ctx, k, []byte(owner), "application/octet-stream"); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	ds.close()
	out := filepath.Join(t.TempDir(), "export")
	var stdout bytes.Buffer
	if err := run(ctx, []string{"export", "--data", cfg.Data, "--out", out, "--user", "ana", "--log-level", "error"}, nil, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "exported 3 items and 9 objects") {
		t.Fatalf("export said %q, want 3 items and 9 objects", stdout.String())
	}
	items := readFile(t, filepath.Join(out, exportItemsFile))
	objects := readFile(t, filepath.Join(out, exportObjectsFile))
	if strings.Contains(items, "ben") || strings.Contains(objects, "ben") {
		t.Fatalf("ana's export holds ben's data:\n%s\n%s", items, objects)
	}
}

// TestExportRestore_Rules: people's stored rules travel with an export
// (rules.jsonl, of the --user alone with one) and a restore puts them in,
// keeping a rule the target already has.
func TestExportRestore_Rules(t *testing.T) {
	ctx := context.Background()
	src := seed(t, 2)
	var stdout bytes.Buffer
	rules := func(data string, args ...string) string {
		t.Helper()
		stdout.Reset()
		if err := run(ctx, append(append([]string{"rules"}, args...), "--data", data), nil, &stdout, &stdout); err != nil {
			t.Fatalf("rules %v: %v %s", args, err, stdout.String())
		}
		return stdout.String()
	}
	rules(src.Data, "add", "--id", "fin", "--name", "Finance", "--target", "log", "--pattern", `{"dynamodb":{"NewImage":{"project":{"S":["finance"]}}}}`)
	rules(src.Data, "add", "--id", "bens", "--user", "ben", "--name", "Ben's", "--pattern", `{"dynamodb":{"NewImage":{"project":{"S":["x"]}}}}`)

	out := filepath.Join(t.TempDir(), "export")
	stdout.Reset()
	if err := run(ctx, []string{"export", "--data", src.Data, "--out", out, "--log-level", "error"}, nil, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "exported 2 notification rules") || strings.Count(readFile(t, filepath.Join(out, exportRulesFile)), "\n") != 2 {
		t.Fatalf("export said %q; want two rules in %s", stdout.String(), exportRulesFile)
	}
	dst := t.TempDir()
	for i, want := range []string{"restored 2 notification rules (0 already there)", "restored 0 notification rules (2 already there)"} {
		stdout.Reset()
		if err := run(ctx, []string{"restore", "--data", dst, "--from", out, "--log-level", "error"}, nil, &stdout, &stdout); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("restore %d said %q, want %q", i+1, stdout.String(), want)
		}
	}
	var got []doctales.Rule
	if err := json.Unmarshal([]byte(rules(dst, "list", "--json")), &got); err != nil || len(got) != 2 || got[1].ID != "fin" || got[1].Name != "Finance" {
		t.Errorf("rules of the restored folder = %+v (%v); want default and fin", got, err)
	}

	// --user: that person's rules alone.
	one := filepath.Join(t.TempDir(), "ben")
	stdout.Reset()
	if err := run(ctx, []string{"export", "--data", src.Data, "--out", one, "--user", "ben", "--log-level", "error"}, nil, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	if lines := readFile(t, filepath.Join(one, exportRulesFile)); strings.Count(lines, "\n") != 1 || !strings.Contains(lines, `"id":"bens"`) {
		t.Errorf("export --user ben rules = %q, want ben's one", lines)
	}
}
