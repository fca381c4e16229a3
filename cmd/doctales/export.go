package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/fsblob"
	"github.com/doctales/doctales/internal/datalock"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/s3"
	"github.com/doctales/doctales/sqlite"
)

// The portable export format: a folder that `doctales export` writes from
// the embedded data folder or from AWS, and `doctales restore` reads into
// either.
//
//	manifest.json   ExportManifest
//	items.jsonl     one doctales.Item per line (the table), newest first
//	rules.jsonl     one doctales.Rule per line: people's stored notification
//	                rules (issue 13); absent from an AWS export, which has none
//	objects.jsonl   one ExportObject per line (the bucket), in key order
//	objects/<key>   each object's bytes, under its key
const (
	ExportFormat        = "doctales-export"
	ExportVersion       = 1
	exportManifestFile  = "manifest.json"
	exportItemsFile     = "items.jsonl"
	exportRulesFile     = "rules.jsonl"
	exportObjectsFile   = "objects.jsonl"
	exportObjectsFolder = "objects"
)

// ExportManifest describes an export.
type ExportManifest struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	ExportedAt time.Time `json:"exportedAt"`
	Source     string    `json:"source"` // "embedded:<data folder>" or "aws:<table>,<bucket>"
	Items      int       `json:"items"`
	Objects    int       `json:"objects"`
	Rules      int       `json:"rules,omitempty"`
}

// ExportObject is one object of an export.
type ExportObject struct {
	Key         string `json:"key"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	ETag        string `json:"etag,omitempty"`
	ContentType string `json:"contentType"`
}

const exportUsage = `Usage:
  doctales export  --out DIR  [--user NAME] [--data DIR | --config FILE] [--aws AWS FLAGS]
  doctales restore --from DIR [--data DIR | --config FILE] [--aws AWS FLAGS] [--reextract] [--renotify]

export writes the table and the objects to a portable folder (manifest.json,
items.jsonl, objects.jsonl, objects/<key>); restore reads such a folder into
the embedded data folder or, with --aws, into DynamoDB and S3. Items already
in the target are kept (restore is a conditional create, so it can be run
again). Stop "doctales serve" on the data folder first. With --user, export
holds only that user's communications and their objects (a person's own
copy of their mail).

restore marks the notifications of the communications that are already high
priority as sent, so restoring does not notify again (--renotify does). Into
the data folder it does not extract again unless --reextract; on AWS every
object put triggers the extraction function (see docs/aws.md).

Example:
  doctales export --out backup-2025-06-10
  doctales restore --from backup-2025-06-10 --data /srv/doctales-new
  doctales export --out ana-mail --user ana

Flags:
`

// awsFlags select the AWS resources of export and restore.
type awsFlags struct {
	enabled    bool
	table      string
	bucket     string
	ledger     string
	region     string
	s3Endpoint string
	ddbEnd     string
	pathStyle  bool
}

func (a *awsFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&a.enabled, "aws", false, "use DynamoDB and S3 instead of the data folder")
	fs.StringVar(&a.table, "table", "", "with --aws: the communications table (default <appName>-communications-<env>)")
	fs.StringVar(&a.bucket, "bucket", "", "with --aws: the raw bucket (required; the stack output RawBucketName)")
	fs.StringVar(&a.ledger, "ledger-table", "", "with --aws: the notification ledger table (default <appName>-notification-ledger-<env>)")
	fs.StringVar(&a.region, "region", "", "with --aws: the AWS region (default from the environment)")
	fs.StringVar(&a.s3Endpoint, "s3-endpoint", "", "with --aws: an S3-compatible endpoint URL")
	fs.StringVar(&a.ddbEnd, "dynamodb-endpoint", "", "with --aws: a DynamoDB-compatible endpoint URL")
	fs.BoolVar(&a.pathStyle, "s3-path-style", false, "with --aws: path-style S3 addressing (for S3-compatible servers)")
}

// dataset is the table and objects export and restore work on.
type dataset struct {
	name   string
	table  doctales.Table
	store  doctales.ObjectStore
	ledger doctales.Ledger
	// rules are people's notification rules; nil on AWS, which keeps none.
	rules doctales.RuleStore
	list  func(ctx context.Context, fn func(doctales.ObjectInfo) error) error
	close func() error
	// owner, when set, limits an export to that user's communications.
	owner string
}

// openDataset opens the data folder or, with --aws, the AWS resources.
// events says whether puts into the data folder are announced (so that the
// pipeline extracts them). A dataset for writing (restore) holds the data
// folder's lock, creating the folder if needed; a read-only one (export)
// opens the table and the objects read-only, beside a running server, and
// the folder must exist.
func openDataset(ctx context.Context, cfg Config, a awsFlags, logger *slog.Logger, events, readOnly bool, command string) (*dataset, error) {
	if a.enabled {
		return openAWSDataset(ctx, cfg, a)
	}
	cipher, err := cfg.Encryption.cipher()
	if err != nil {
		return nil, err
	}
	var db *sqlite.DB
	var lock *datalock.Lock
	if readOnly {
		if db, err = openTableReadOnly(cfg, logger); err != nil {
			return nil, err
		}
	} else {
		if lock, err = lockDataFolder(cfg.Data, command, true); err != nil {
			return nil, err
		}
		db = sqlite.NewDB(filepath.Join(cfg.Data, "doctales.db"))
		db.TableName = cfg.TableName()
		db.Logger = logger
		if err := openDataDB(db, cfg); err != nil {
			lock.Release()
			return nil, fmt.Errorf("open table: %w", err)
		}
	}
	store := fsblob.NewStore(filepath.Join(cfg.Data, "objects"), cfg.BucketName())
	if events {
		store.Events = db
	}
	store.Cipher = cipher
	store.ReadOnly = readOnly
	if err := store.Open(); err != nil {
		_ = db.Close()
		lock.Release()
		return nil, fmt.Errorf("open object store: %w", keyHint(err))
	}
	return &dataset{
		name: "embedded:" + cfg.Data, table: db, store: store, ledger: db, rules: db,
		list: func(ctx context.Context, fn func(doctales.ObjectInfo) error) error {
			infos, err := store.List(ctx, "")
			if err != nil {
				return err
			}
			for _, o := range infos {
				if err := fn(o); err != nil {
					return err
				}
			}
			return nil
		},
		close: func() error { return errors.Join(store.Close(), db.Close(), lock.Release()) },
	}, nil
}

func openAWSDataset(ctx context.Context, cfg Config, a awsFlags) (*dataset, error) {
	if a.bucket == "" {
		return nil, errors.New("--aws needs --bucket (the stack output RawBucketName)")
	}
	if a.table == "" {
		a.table = cfg.TableName()
	}
	if a.ledger == "" {
		a.ledger = cfg.AppName + "-notification-ledger-" + cfg.Env
	}
	var opts []func(*config.LoadOptions) error
	if a.region != "" {
		opts = append(opts, config.WithRegion(a.region))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	s3c := awss3.NewFromConfig(awsCfg, func(o *awss3.Options) {
		o.UsePathStyle = a.pathStyle
		if a.s3Endpoint != "" {
			o.BaseEndpoint = aws.String(a.s3Endpoint)
		}
	})
	ddb := awsdynamodb.NewFromConfig(awsCfg, func(o *awsdynamodb.Options) {
		if a.ddbEnd != "" {
			o.BaseEndpoint = aws.String(a.ddbEnd)
		}
	})
	store := s3.NewStore(s3c, a.bucket)
	// Items whose dimensions passed 400 KB keep them in the bucket
	// (issue 16): read and write them as the Lambda functions do.
	tbl := dynamodb.NewTable(ddb, a.table)
	tbl.Overflow = store
	return &dataset{
		name: "aws:" + a.table + "," + a.bucket, table: tbl, store: store,
		ledger: dynamodb.NewLedger(ddb, a.ledger),
		rules:  tbl, // people's rules are items of the table (dynamodb/rules.go)
		list: func(ctx context.Context, fn func(doctales.ObjectInfo) error) error {
			return store.List(ctx, "", fn)
		},
		close: func() error { return nil },
	}, nil
}

// runExport is the export command.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctales export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, exportUsage); fs.PrintDefaults() }
	var cf commonFlags
	cf.register(fs)
	// The command's output is what it prints; the log says only what went wrong.
	fs.Lookup("log-level").DefValue, cf.logLevel = "warn", "warn"
	var a awsFlags
	a.register(fs)
	out := fs.String("out", "", "folder to write the export to (must be empty or absent)")
	user := fs.String("user", "", "export only this user's communications and their objects")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("export", pos); err != nil {
		return err
	}
	if *user != "" {
		if err := doctales.ValidateID("user", *user); err != nil {
			return fmt.Errorf("export: --user: %s", doctales.ErrorMessage(err))
		}
	}
	if *out == "" {
		fs.Usage()
		return usageErrorf("export", "export: --out DIR is required")
	}
	cfg, logger, err := cf.load(stderr)
	if err != nil {
		return err
	}
	ds, err := openDataset(ctx, cfg, a, logger, false, true, "export")
	if err != nil {
		return err
	}
	defer ds.close()
	ds.owner = *user
	m, err := Export(ctx, ds, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported %d items and %d objects from %s to %s\n", m.Items, m.Objects, m.Source, *out)
	if m.Rules > 0 {
		fmt.Fprintf(stdout, "exported %d notification rules\n", m.Rules)
	}
	return nil
}

// Export writes the items and objects of ds to the folder dir, which must
// be empty or absent, and returns the manifest. The manifest is written
// last: a folder without one is an interrupted export.
func Export(ctx context.Context, ds *dataset, dir string) (*ExportManifest, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("export: %s is not empty", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, exportObjectsFolder), 0o755); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	m := &ExportManifest{Format: ExportFormat, Version: ExportVersion, ExportedAt: time.Now().UTC(), Source: ds.name}

	// The items, page by page.
	items, err := os.Create(filepath.Join(dir, exportItemsFile))
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	defer items.Close()
	w := bufio.NewWriter(items)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	ictx := ctx
	prefixes := map[string]bool{} // with an owner: the exported items' object key prefixes
	if ds.owner != "" {
		ictx = doctales.WithOwner(ctx, ds.owner)
	}
	for cursor := ""; ; {
		page, next, err := ds.table.FindItems(ictx, doctales.ItemFilter{Limit: doctales.MaxPageSize, Cursor: cursor})
		if err != nil {
			return nil, fmt.Errorf("export items: %w", err)
		}
		for _, it := range page {
			if ds.owner != "" {
				prefixes[strings.TrimSuffix(it.S3Key, ".json")] = true
			}
			if err := enc.Encode(it); err != nil {
				return nil, fmt.Errorf("export item %q: %w", it.ID, err)
			}
			m.Items++
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if err := w.Flush(); err != nil {
		return nil, fmt.Errorf("export items: %w", err)
	}
	if err := items.Close(); err != nil {
		return nil, fmt.Errorf("export items: %w", err)
	}

	// The objects.
	objs, err := os.Create(filepath.Join(dir, exportObjectsFile))
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	defer objs.Close()
	ow := bufio.NewWriter(objs)
	oenc := json.NewEncoder(ow)
	oenc.SetEscapeHTML(false)
	err = ds.list(ctx, func(info doctales.ObjectInfo) error {
		if !filepath.IsLocal(filepath.FromSlash(info.Key)) {
			return fmt.Errorf("object key %q is not a local path", info.Key)
		}
		if ds.owner != "" && !prefixes[objectPrefixOf(info.Key)] {
			return nil // another user's, or nobody's
		}
		data, got, err := ds.store.Get(ctx, info.Key)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, exportObjectsFolder, filepath.FromSlash(info.Key))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		m.Objects++
		return oenc.Encode(ExportObject{Key: info.Key, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), ETag: got.ETag, ContentType: contentTypeOf(info.Key)})
	})
	if err != nil {
		return nil, fmt.Errorf("export objects: %w", err)
	}
	if err := ow.Flush(); err != nil {
		return nil, fmt.Errorf("export objects: %w", err)
	}
	if err := objs.Close(); err != nil {
		return nil, fmt.Errorf("export objects: %w", err)
	}

	// People's rules, of the owner alone with one.
	if ds.rules != nil {
		if m.Rules, err = exportRules(ctx, ds, filepath.Join(dir, exportRulesFile)); err != nil {
			return nil, fmt.Errorf("export rules: %w", err)
		}
	}

	// The manifest, last.
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, exportManifestFile), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return m, nil
}

// exportRules writes the stored rules of ds (of ds.owner alone, when set)
// to path, one a line, and returns how many.
func exportRules(ctx context.Context, ds *dataset, path string) (int, error) {
	rules, err := ds.rules.AllRules(ctx)
	if err != nil {
		return 0, err
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n := 0
	for _, r := range rules {
		if ds.owner != "" && r.Owner != ds.owner {
			continue
		}
		if err := enc.Encode(r); err != nil {
			return 0, err
		}
		n++
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	return n, f.Close()
}

// objectPrefixOf returns the key of the communication an object belongs
// to, without ".json": the object's key without "/attachments/..." or
// without its extension.
func objectPrefixOf(key string) string {
	if i := strings.Index(key, "/attachments/"); i >= 0 {
		return key[:i]
	}
	if i := strings.LastIndex(key, "."); i > strings.LastIndex(key, "/") {
		return key[:i]
	}
	return key
}

// contentTypeOf guesses an object's content type from its key: the
// pipeline stores JSON.
func contentTypeOf(key string) string {
	if strings.HasSuffix(key, ".json") {
		return "application/json"
	}
	return "application/octet-stream"
}

// RestoreResult counts what a restore did.
type RestoreResult struct {
	Items, ItemsSkipped, Objects, MarkedSent int
	// Rules restored and kept (a rule with its owner and id was there);
	// RulesUnsupported counts those a target without rules (AWS) left out.
	Rules, RulesSkipped, RulesUnsupported int
}

// runRestore is the restore command.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctales restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, exportUsage); fs.PrintDefaults() }
	var cf commonFlags
	cf.register(fs)
	// The command's output is what it prints; the log says only what went wrong.
	fs.Lookup("log-level").DefValue, cf.logLevel = "warn", "warn"
	var a awsFlags
	a.register(fs)
	from := fs.String("from", "", "export folder to read")
	reextract := fs.Bool("reextract", false, "into the data folder: announce every object, so that the pipeline extracts it again")
	renotify := fs.Bool("renotify", false, "do not mark the high-priority communications' notifications as sent")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("restore", pos); err != nil {
		return err
	}
	if *from == "" {
		fs.Usage()
		return usageErrorf("restore", "restore: --from DIR is required")
	}
	cfg, logger, err := cf.load(stderr)
	if err != nil {
		return err
	}
	ds, err := openDataset(ctx, cfg, a, logger, *reextract, false, "restore")
	if err != nil {
		return err
	}
	defer ds.close()
	res, err := Restore(ctx, ds, *from, !*renotify)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %d items (%d already there) and %d objects into %s; %d notifications marked sent\n",
		res.Items, res.ItemsSkipped, res.Objects, ds.name, res.MarkedSent)
	if n := res.Rules + res.RulesSkipped + res.RulesUnsupported; n > 0 {
		fmt.Fprintf(stdout, "restored %d notification rules (%d already there)", res.Rules, res.RulesSkipped)
		if res.RulesUnsupported > 0 {
			fmt.Fprintf(stdout, "; %d left out: the target keeps no rules", res.RulesUnsupported)
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// Restore reads the export in dir into ds: each item is created unless one
// with its id exists (kept as it is), then each object is put, after its
// checksum is verified. With markSent, the notification of every item that
// is already high priority is marked sent in the ledger first, so that the
// item's INSERT does not notify again.
func Restore(ctx context.Context, ds *dataset, dir string, markSent bool) (*RestoreResult, error) {
	b, err := os.ReadFile(filepath.Join(dir, exportManifestFile))
	if err != nil {
		return nil, fmt.Errorf("restore: %w (an export folder has a manifest.json; without one the export was interrupted)", err)
	}
	var m ExportManifest
	if err := json.Unmarshal(b, &m); err != nil || m.Format != ExportFormat {
		return nil, fmt.Errorf("restore: %s is not a %s manifest", exportManifestFile, ExportFormat)
	}
	if m.Version != ExportVersion {
		return nil, fmt.Errorf("restore: export version %d; this doctales reads version %d", m.Version, ExportVersion)
	}
	res := &RestoreResult{}

	// Items first: an object's event then finds its item.
	if err := eachLine(filepath.Join(dir, exportItemsFile), func(line []byte) error {
		var it doctales.Item
		if err := json.Unmarshal(line, &it); err != nil {
			return fmt.Errorf("item: %w", err)
		}
		if markSent && it.Metadata.Urgency == doctales.UrgencyHigh {
			if err := ds.ledger.MarkSent(ctx, notify.MessageID(it.ID, notify.EscalationUrgencyHigh), it.ID); err != nil {
				return err
			}
			res.MarkedSent++
		}
		if _, created, err := ds.table.CreateItem(ctx, &it); err != nil {
			return err
		} else if created {
			res.Items++
		} else {
			res.ItemsSkipped++
		}
		return nil
	}); err != nil {
		return res, fmt.Errorf("restore items: %w", err)
	}

	// People's rules, unless the target has one with the same owner and id.
	if err := restoreRules(ctx, ds, filepath.Join(dir, exportRulesFile), res); err != nil {
		return res, fmt.Errorf("restore rules: %w", err)
	}

	// Objects.
	if err := eachLine(filepath.Join(dir, exportObjectsFile), func(line []byte) error {
		var o ExportObject
		if err := json.Unmarshal(line, &o); err != nil {
			return fmt.Errorf("object: %w", err)
		}
		if !filepath.IsLocal(filepath.FromSlash(o.Key)) {
			return fmt.Errorf("object key %q is not a local path", o.Key)
		}
		data, err := os.ReadFile(filepath.Join(dir, exportObjectsFolder, filepath.FromSlash(o.Key)))
		if err != nil {
			return err
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != o.SHA256 {
			return fmt.Errorf("object %q: checksum mismatch; the export is damaged", o.Key)
		}
		if _, err := ds.store.Put(ctx, o.Key, data, o.ContentType); err != nil {
			return err
		}
		res.Objects++
		return nil
	}); err != nil {
		return res, fmt.Errorf("restore objects: %w", err)
	}
	return res, nil
}

// restoreRules puts each rule of the file at path into ds unless a rule
// with its owner and id is stored there. An export without the file (an
// older one, or from AWS) has none; a target without rules counts them in
// RulesUnsupported.
func restoreRules(ctx context.Context, ds *dataset, path string, res *RestoreResult) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	have := map[string]bool{}
	if ds.rules != nil {
		stored, err := ds.rules.AllRules(ctx)
		if err != nil {
			return err
		}
		for _, r := range stored {
			have[r.Owner+"\x00"+r.ID] = true
		}
	}
	return eachLine(path, func(line []byte) error {
		var r doctales.Rule
		if err := json.Unmarshal(line, &r); err != nil {
			return fmt.Errorf("rule: %w", err)
		}
		switch {
		case ds.rules == nil:
			res.RulesUnsupported++
			return nil
		case have[doctales.OwnerOf(r.Owner)+"\x00"+r.ID]:
			res.RulesSkipped++
			return nil
		}
		if _, err := ds.rules.PutRule(ctx, &r); err != nil {
			return fmt.Errorf("rule %q of %q: %w", r.ID, r.Owner, err)
		}
		res.Rules++
		return nil
	})
}

// eachLine calls fn with each non-empty line of the file.
func eachLine(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for n := 1; sc.Scan(); n++ {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		if err := fn(sc.Bytes()); err != nil {
			return fmt.Errorf("%s line %d: %w", filepath.Base(path), n, err)
		}
	}
	return sc.Err()
}
