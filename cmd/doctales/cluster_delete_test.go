package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/testutil"
	dtnats "github.com/doctales/doctales/nats"
	"github.com/doctales/doctales/postgres"
)

// deleteReq sends DELETE /communications/id and returns the status and
// the decoded body.
func deleteReq(t testing.TB, api, id string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, api+"/communications/"+id, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestCluster_Delete: DELETE /communications/{id} through the api process
// of a cluster (api, extraction and notification processes on a real
// nats-server and PostgreSQL), with the objects in the shared folder and
// in an S3-compatible server. Once the urgent mail is extracted and
// notified, its delete answers 200 naming its object; then GET is 404,
// the object is gone, the outbox's records about it have lost its
// content, its flow history and ledger entries are gone (but for the
// REMOVE record's own outcome, which comes after), and a second DELETE is
// 404. The calm mail is untouched.
func TestCluster_Delete(t *testing.T) {
	t.Run("Folder", func(t *testing.T) { testClusterDelete(t, false) })
	t.Run("S3", func(t *testing.T) { testClusterDelete(t, true) })
}

func testClusterDelete(t *testing.T, withS3 bool) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	var extra []string
	var objectExists func(key string) bool
	if withS3 {
		endpoint := testutil.S3Endpoint(t)
		client := awss3.NewFromConfig(testutil.AWSConfig(endpoint), func(o *awss3.Options) { o.UsePathStyle = true })
		bucket := fmt.Sprintf("delete-%d", time.Now().UnixNano())
		if _, err := client.CreateBucket(context.Background(), &awss3.CreateBucketInput{Bucket: &bucket}); err != nil {
			t.Fatal(err)
		}
		env.Env = []string{"AWS_ACCESS_KEY_ID=" + testutil.TestAccessKey, "AWS_SECRET_ACCESS_KEY=" + testutil.TestSecretKey,
			"AWS_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"}
		extra = []string{"--s3", endpoint + "/" + bucket}
		objectExists = func(key string) bool {
			_, err := client.HeadObject(context.Background(), &awss3.HeadObjectInput{Bucket: &bucket, Key: aws.String(key)})
			return err == nil
		}
	} else {
		objectExists = func(key string) bool {
			return len(filesNaming(t, filepath.Join(env.Data, "objects"), filepath.Base(key))) > 0
		}
	}
	api := env.start(t, "api", RoleAPI, extra...)
	env.start(t, "extraction", RoleExtraction, extra...)
	env.start(t, "notification", RoleNotification)
	db := clusterDB(t, env.Postgres)
	ctx := context.Background()

	code, urgent := post(t, api.url(), urgentEmail)
	if code != http.StatusAccepted {
		t.Fatalf("POST urgent = %d %v", code, urgent)
	}
	_, calm := post(t, api.url(), calmEmail)
	id, key, cid := urgent["id"].(string), urgent["s3Key"].(string), calm["id"].(string)
	for _, x := range []string{id, cid} {
		waitCond(t, 30*time.Second, func() string { return x + " is " + status(t, api.url(), x) + ", not extracted" },
			func() bool { return status(t, api.url(), x) == "extracted" })
	}
	waitCond(t, 30*time.Second, func() string { return "no notification for the urgent mail" },
		func() bool { return hook.notified(id) == 1 })
	// Its history, written by the workers, is complete: extracted,
	// published, delivered to the webhook.
	steps := func() string {
		evs, err := db.FlowEvents(ctx, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, ev := range evs {
			s = append(s, ev.Step+":"+ev.Kind+":"+ev.Event)
		}
		return strings.Join(s, "\n")
	}
	waitCond(t, 30*time.Second, func() string { return "the urgent mail's history is:\n" + steps() }, func() bool {
		s := steps()
		return strings.Contains(s, "extraction:delivered") && strings.Contains(s, "published") && strings.Contains(s, "topic/webhook-1:delivered")
	})
	if !objectExists(key) {
		t.Fatalf("the urgent mail's object %s is not in the store before the delete", key)
	}
	if n := ledgerEntries(t, db, id); n != 1 {
		t.Fatalf("the ledger has %d entries for the urgent mail before the delete, want its notification's 1", n)
	}

	code, res := deleteReq(t, api.url(), id)
	if code != http.StatusOK {
		t.Fatalf("DELETE = %d %v", code, res)
	}
	if objs, _ := res["objects"].([]any); len(objs) == 0 || objs[0] != key {
		t.Fatalf("DELETE answered %v, want its objects to name %s", res, key)
	}
	var body map[string]any
	if code := getJSON(t, api.url()+"/communications/"+id, &body); code != http.StatusNotFound {
		t.Fatalf("GET after the delete = %d %v, want 404", code, body)
	}
	if objectExists(key) {
		t.Fatalf("the object %s is still in the store after the delete", key)
	}
	if code, res := deleteReq(t, api.url(), id); code != http.StatusNotFound {
		t.Fatalf("a second DELETE = %d %v, want 404", code, res)
	}
	// The outbox's records about it keep no content (the subject was
	// in every image), the REMOVE keeps which communication and whose.
	recs, err := db.ReadLog(ctx, doctales.SourceDynamoDB, 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	removed := false
	for _, r := range recs {
		if r.Key != id {
			continue
		}
		if strings.Contains(string(r.Data), "Wire transfer") {
			t.Errorf("an outbox record of the deleted mail keeps its subject: %s", r.Data)
		}
		removed = removed || strings.Contains(string(r.Data), `"REMOVE"`)
	}
	if !removed {
		t.Error("no REMOVE record of the deleted mail in the outbox")
	}
	// Its history before the delete is gone; only the REMOVE record's
	// own outcomes (the notification function filters it) may come after.
	for _, ev := range strings.Split(steps(), "\n") {
		if ev != "" && !strings.HasSuffix(ev, ":REMOVE") {
			t.Errorf("flow event %s of the deleted mail is still there", ev)
		}
	}
	if n := ledgerEntries(t, db, id); n != 0 {
		t.Errorf("the ledger keeps %d entries for the deleted mail", n)
	}
	if n, err := db.FlowEvents(ctx, cid, 0); err != nil || len(n) == 0 {
		t.Errorf("the calm mail's history: %d events, %v; want it kept", len(n), err)
	}
	if status(t, api.url(), cid) != "extracted" {
		t.Errorf("the calm mail after the other's delete is %q", status(t, api.url(), cid))
	}
}

// ledgerEntries counts the ledger's entries for communication id.
func ledgerEntries(t *testing.T, db *postgres.DB, id string) int {
	t.Helper()
	var n int
	if err := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM ledger WHERE communication_id = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCluster_Retention: two api processes with `retain: 30d` and a sweep
// every 100 ms; exactly one of them sweeps (/stats "retention": "leader",
// the other "standby"). A communication dated 2002 is deleted (row and
// object), a recent one is kept, and the sweep writes its audit entry.
// Then the sweeping process is killed (SIGKILL): the other takes the
// lock and deletes the next old communication.
func TestCluster_Retention(t *testing.T) {
	hook := newHookReceiver(t)
	env := newClusterEnv(t, hook.URL)
	env.appendConfig(t, "retain: 30d\nretainSweepEvery: 100ms\nrelayElection: 200ms\nnatsMaxAge: 720h\n")
	apis := []*clusterProc{env.start(t, "api-1", RoleAPI), env.start(t, "api-2", RoleAPI)}
	db := clusterDB(t, env.Postgres)
	ctx := context.Background()

	// natsMaxAge is the stream's MaxAge: what bounds how long relayed
	// copies of a deleted communication stay in JetStream.
	nc, err := natsgo.Connect(env.NATS)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := js.Stream(ctx, dtnats.DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	if got := stream.CachedInfo().Config.MaxAge; got != 720*time.Hour {
		t.Fatalf("the stream's MaxAge with natsMaxAge: 720h is %s", got)
	}

	// retentionStates reads each api process's /stats "retention".
	retentionStates := func(procs []*clusterProc) []string {
		var out []string
		for _, p := range procs {
			var st struct{ Retention string }
			getJSON(t, p.url()+"/stats", &st)
			out = append(out, st.Retention)
		}
		return out
	}
	var leader, standby *clusterProc
	waitCond(t, 20*time.Second, func() string {
		return fmt.Sprintf("retention states %v, want one leader and one standby", retentionStates(apis))
	},
		func() bool {
			s := retentionStates(apis)
			switch {
			case s[0] == "leader" && s[1] == "standby":
				leader, standby = apis[0], apis[1]
			case s[1] == "leader" && s[0] == "standby":
				leader, standby = apis[1], apis[0]
			default:
				return false
			}
			return true
		})

	postOld := func(subject string) (id, key string) {
		code, out := post(t, leader.url(), fmt.Sprintf(`{"source":"email","subject":%q,"from":"Old","body":"An old letter.","timestamp":"2002-03-01T10:00:00Z"}`, subject))
		if code != http.StatusAccepted {
			t.Fatalf("POST old = %d %v", code, out)
		}
		return out["id"].(string), out["s3Key"].(string)
	}
	gone := func(api *clusterProc, id, key string) {
		t.Helper()
		waitCond(t, 20*time.Second, func() string { return "the 2002 communication " + id + " is still there" }, func() bool {
			_, err := db.GetItem(ctx, id)
			return doctales.ErrorCode(err) == doctales.ENOTFOUND
		})
		var body map[string]any
		if code := getJSON(t, api.url()+"/communications/"+id, &body); code != http.StatusNotFound {
			t.Fatalf("GET of the swept communication = %d, want 404", code)
		}
		if files := filesNaming(t, filepath.Join(env.Data, "objects"), filepath.Base(key)); len(files) != 0 {
			t.Fatalf("the swept communication's objects are still there: %v", files)
		}
	}

	oldID, oldKey := postOld("From 2002")
	_, recent := post(t, leader.url(), fmt.Sprintf(`{"source":"email","subject":"This week","from":"New","body":"A new letter.","timestamp":%q}`,
		time.Now().Add(-24*time.Hour).UTC().Format(time.RFC3339)))
	gone(leader, oldID, oldKey)
	if _, err := db.GetItem(ctx, recent["id"].(string)); err != nil {
		t.Fatalf("the recent communication was swept: %v", err)
	}
	action := doctales.AuditRetention
	waitCond(t, 20*time.Second, func() string { return "no retention audit entry" }, func() bool {
		entries, err := db.AuditEntries(ctx, doctales.AuditFilter{Action: &action})
		if err != nil {
			t.Fatal(err)
		}
		return len(entries) > 0 && entries[0].Target == "30d" && entries[0].Detail["deleted"] == float64(1)
	})

	// The sweeping process dies; the other takes over the sweep.
	leader.kill()
	waitCond(t, 20*time.Second, func() string {
		return fmt.Sprintf("retention state %v, want the standby to lead", retentionStates([]*clusterProc{standby}))
	}, func() bool { return retentionStates([]*clusterProc{standby})[0] == "leader" })
	leader = standby
	id2, key2 := postOld("Also from 2002")
	gone(standby, id2, key2)
	if _, err := db.GetItem(ctx, recent["id"].(string)); err != nil {
		t.Fatalf("the recent communication was swept: %v", err)
	}
}

// TestConfig_NATSMaxAge: natsMaxAge is read from the file; a value below
// an hour or negative is a ConfigError naming the key and the bound.
func TestConfig_NATSMaxAge(t *testing.T) {
	cfg, err := ReadConfig(writeConfig(t, "natsMaxAge: 720h\n"))
	if err != nil || cfg.NATSMaxAge != 720*time.Hour {
		t.Fatalf("natsMaxAge: 720h read as %s, %v", cfg.NATSMaxAge, err)
	}
	for _, v := range []string{"90s", "-1h"} {
		_, err := ReadConfig(writeConfig(t, "natsMaxAge: "+v+"\n"))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != "natsMaxAge" || !strings.Contains(err.Error(), "at least 1h0m0s") {
			t.Errorf("natsMaxAge: %s = %v, want a ConfigError naming natsMaxAge and its bound", v, err)
		}
	}
}

// TestConfig_NATSConsumers: natsConsumers and natsAckWait are read from
// the file; another mode, or an ack wait out of 1s..1h, is a ConfigError
// naming the key.
func TestConfig_NATSConsumers(t *testing.T) {
	cfg, err := ReadConfig(writeConfig(t, "natsConsumers: durable\nnatsAckWait: 5s\n"))
	if err != nil || cfg.NATSConsumers != NATSConsumersDurable || cfg.NATSAckWait != 5*time.Second {
		t.Fatalf("read as %q, %s, %v", cfg.NATSConsumers, cfg.NATSAckWait, err)
	}
	for _, tc := range []struct{ yaml, field, want string }{
		{"natsConsumers: pull\n", "natsConsumers", "use checkpoint (the default) or durable"},
		{"natsAckWait: 500ms\n", "natsAckWait", "must be from 1s to 1h"},
		{"natsAckWait: 2h\n", "natsAckWait", "must be from 1s to 1h"},
	} {
		_, err := ReadConfig(writeConfig(t, tc.yaml))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want a ConfigError naming %s: %s", tc.yaml, err, tc.field, tc.want)
		}
	}
}
