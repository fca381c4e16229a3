package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/ruletest"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/pattern"
	"github.com/doctales/doctales/postgres"
	"github.com/doctales/doctales/sqlite"
)

// TestRules_Contract runs the rule store contract that the SQLite and
// DynamoDB adapters run.
func TestRules_Contract(t *testing.T) {
	ruletest.Run(t, func(t *testing.T) doctales.RuleStore {
		db, _ := mustOpen(t, postgres.Options{})
		return db
	})
}

// bossRule is a rule of ann's on sender "Boss".
func bossRule(id string) *doctales.Rule {
	return &doctales.Rule{ID: id, Owner: "ann", Name: "Boss", Enabled: true,
		Pattern: json.RawMessage(`{"dynamodb":{"NewImage":{"sender":{"S":["Boss"]}}}}`), Targets: []string{"log"}}
}

// TestRules_StreamRecords: each rule write appends its stream record to
// the log (the outbox) by the time it returns, INSERT, MODIFY then
// REMOVE, keyed PK/SK "RULE#<id>", with the images package sqlite
// writes (sqlite.RuleImage), so that the live stream and every consumer
// of the change stream read a cluster's rule changes as the embedded
// mode's.
func TestRules_StreamRecords(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	r := bossRule("boss")
	if _, err := db.PutRule(ctx, r); err != nil {
		t.Fatal(err)
	}
	first := *r
	r2 := bossRule("boss")
	r2.Name = "The boss"
	if _, err := db.PutRule(ctx, r2); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteRule(ctx, "ann", "boss"); err != nil {
		t.Fatal(err)
	}
	recs, err := db.ReadLog(ctx, doctales.SourceDynamoDB, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("log holds %d records after put, replace, delete; want 3", len(recs))
	}
	image := func(r *doctales.Rule) string {
		img, err := sqlite.RuleImage(r)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(img)
		return string(b)
	}
	enc := func(img map[string]events.DynamoDBAttributeValue) string {
		if img == nil {
			return ""
		}
		b, _ := json.Marshal(img)
		return string(b)
	}
	want := []struct{ event, old, new string }{
		{postgres.EventInsert, "", image(&first)},
		{postgres.EventModify, image(&first), image(r2)},
		{postgres.EventRemove, image(r2), ""},
	}
	for i, rec := range recs {
		var ev events.DynamoDBEventRecord
		if err := json.Unmarshal(rec.Data, &ev); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if rec.Key != "RULE#ann#boss" || !doctales.IsRuleRecord(ev.Change.Keys) || ev.Change.Keys["SK"].String() != "RULE#boss" {
			t.Errorf("record %d: log key %q, keys %v; want RULE#ann#boss and SK RULE#boss", i, rec.Key, ev.Change.Keys)
		}
		if ev.EventName != want[i].event {
			t.Errorf("record %d is %s, want %s", i, ev.EventName, want[i].event)
		}
		if got := enc(ev.Change.OldImage); got != want[i].old {
			t.Errorf("record %d old image\n got %s\nwant %s", i, got, want[i].old)
		}
		if got := enc(ev.Change.NewImage); got != want[i].new {
			t.Errorf("record %d new image\n got %s\nwant %s", i, got, want[i].new)
		}
	}
}

// TestRules_VersionAcrossProcesses: a rule written through one DB (an api
// process) moves RulesVersion of another DB on the same database (a
// notification worker) by the notification PostgreSQL sends at the
// commit, not by the periodic read (set to an hour here, so the test
// fails without the LISTEN), and a notify.RuleBook reading that DB
// judges by the new rule at once.
func TestRules_VersionAcrossProcesses(t *testing.T) {
	t.Cleanup(postgres.SetRulesPollEvery(time.Hour))
	ctx := context.Background()
	api, dsn := mustOpen(t, postgres.Options{})
	worker := mustOpenDSN(t, dsn, postgres.Options{})
	book := &notify.RuleBook{Store: worker}

	// A record from Boss, not urgent: the default rule lets it pass by.
	rec := []byte(`{"eventName":"INSERT","dynamodb":{"NewImage":{"sender":{"S":"Boss"},"metadata":{"M":{"urgency":{"S":"low"}}}}}}`)
	admits := func() bool {
		f := new(pattern.Flat)
		if err := f.Reset(rec); err != nil {
			t.Fatal(err)
		}
		return book.Admit(f)
	}
	if admits() {
		t.Fatal("a calm record from Boss is admitted before any rule")
	}
	// Wait until the worker has read the version once (at its LISTEN),
	// so that what follows is the notification's doing.
	if _, err := api.PutRule(ctx, &doctales.Rule{ID: "warm-up", Owner: "zed", Name: "w", Enabled: false,
		Pattern: json.RawMessage(doctales.DefaultRulePattern), Targets: []string{"log"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() string { return "the worker's first read of the rules' version" }, func() bool {
		return worker.RulesVersion() == api.RulesVersion()
	})
	v := worker.RulesVersion()
	if _, err := api.PutRule(ctx, bossRule("boss")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() string {
		return fmt.Sprintf("the worker's RulesVersion still %d (api at %d)", worker.RulesVersion(), api.RulesVersion())
	}, func() bool {
		return worker.RulesVersion() > v
	})
	if !admits() {
		t.Fatal("after ann's rule on Boss, the worker's RuleBook does not admit a record from Boss")
	}
	v = worker.RulesVersion()
	if err := api.DeleteRule(ctx, "ann", "boss"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() string { return "the worker's RulesVersion did not move after a delete" }, func() bool {
		return worker.RulesVersion() > v
	})
	if admits() {
		t.Fatal("the deleted rule still admits a record from Boss")
	}
}

// TestRules_LimitAcrossProcesses: two processes adding a rule each to an
// owner one short of MaxRulesPerOwner, at once, store exactly one: rule
// writes take the rules' version row first, so the second counts the
// first's rule.
func TestRules_LimitAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	a, dsn := mustOpen(t, postgres.Options{})
	b := mustOpenDSN(t, dsn, postgres.Options{})
	for round := range 5 {
		owner := fmt.Sprintf("owner-%d", round)
		for i := range doctales.MaxRulesPerOwner - 1 {
			r := bossRule(fmt.Sprintf("r%03d", i))
			r.Owner = owner
			if _, err := a.PutRule(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		start := make(chan struct{})
		for i, db := range []*postgres.DB{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := bossRule(fmt.Sprintf("last-%d", i))
				r.Owner = owner
				<-start
				_, errs[i] = db.PutRule(ctx, r)
			}()
		}
		close(start)
		wg.Wait()
		all, err := a.AllRules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range all {
			if r.Owner == owner {
				n++
			}
		}
		if n != doctales.MaxRulesPerOwner {
			t.Fatalf("round %d: %s has %d rules after two concurrent puts at %d (errors %v); want the limit %d",
				round, owner, n, doctales.MaxRulesPerOwner-1, errs, doctales.MaxRulesPerOwner)
		}
		failed := 0
		for _, err := range errs {
			if err != nil {
				failed++
				if doctales.ErrorCode(err) != doctales.EINVALID || !strings.Contains(err.Error(), "the limit is 100") {
					t.Errorf("round %d: the refused put = %v, want EINVALID naming the limit", round, err)
				}
			}
		}
		if failed != 1 {
			t.Fatalf("round %d: %d of the two puts failed, want 1", round, failed)
		}
	}
}

// TestRules_Hostile: an owner or id PostgreSQL text cannot hold is
// EINVALID naming the field, never a database error; deleting such an id
// is ENOTFOUND.
func TestRules_Hostile(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, postgres.Options{})
	for _, c := range []struct {
		name, owner, id, field string
	}{
		{"OwnerInvalidUTF8", "ann\xff", "r", "userId"},
		{"OwnerNUL", "ann\x00", "r", "userId"},
		{"IDNUL", "ann", "r\x00", "id"},
		{"IDTooLong", "ann", strings.Repeat("r", doctales.MaxRuleIDBytes+1), "id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := bossRule(c.id)
			r.Owner = c.owner
			_, err := db.PutRule(ctx, r)
			if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != c.field {
				t.Errorf("PutRule = %v, want EINVALID on %s", err, c.field)
			}
			if c.field == "id" {
				if err := db.DeleteRule(ctx, c.owner, c.id); doctales.ErrorCode(err) != doctales.ENOTFOUND {
					t.Errorf("DeleteRule = %v, want ENOTFOUND", err)
				}
			} else if _, err := db.Rules(ctx, c.owner); doctales.ErrorCode(err) != doctales.EINVALID {
				t.Errorf("Rules = %v, want EINVALID", err)
			}
		})
	}
	if all, err := db.AllRules(ctx); err != nil || len(all) != 0 {
		t.Errorf("AllRules = %v, %v; want none stored", all, err)
	}
}

// TestRules_VersionPolled: a version change whose notification a process
// missed (here, made without NOTIFY) is read by the periodic read
// (rulesPollEvery, 100 ms here).
func TestRules_VersionPolled(t *testing.T) {
	t.Cleanup(postgres.SetRulesPollEvery(100 * time.Millisecond))
	ctx := context.Background()
	db, dsn := mustOpen(t, postgres.Options{})
	// First a rule written by another process, seen: db listens and has
	// read the version once, so what follows is the periodic read's.
	other := mustOpenDSN(t, dsn, postgres.Options{})
	if _, err := other.PutRule(ctx, bossRule("boss")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() string { return "the first rule's version" }, func() bool { return db.RulesVersion() == other.RulesVersion() })
	var v int64
	if err := db.Pool().QueryRow(ctx, `UPDATE rules_version SET version = version + 41 RETURNING version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() string {
		return fmt.Sprintf("RulesVersion %d, the database's %d", db.RulesVersion(), v)
	}, func() bool { return db.RulesVersion() == v })
}
