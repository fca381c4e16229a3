// Package sam_test checks the SAM template deploy/sam/template.yaml: that
// goformation parses it into CloudFormation's and SAM's typed resources
// (unknown properties fail), that every reference resolves, that it has no
// circular dependency, and that its event source mappings are those of
// package mapping, which the local runtime's defaults also use.
package sam_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/dynamodb"
	"github.com/awslabs/goformation/v7/intrinsics"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/awslambda"
	dtddb "github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/function"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/mapping"
	"github.com/doctales/doctales/metrics/emf"
)

const templatePath = "template.yaml"

// functions are the template's functions and the binary each runs.
var functions = map[string]string{
	"IngestionFunction":    "api",
	"ApiFunction":          "api",
	"ExtractionFunction":   "extraction",
	"NotificationFunction": "notification",
	// Ingests what POST /uploads URLs received (issue 16).
	"UploadFunction": "api",
	// The live stream on AWS (live_test.go).
	"WebSocketFunction":  "websocket",
	"LiveFanoutFunction": "websocket",
	// Notification timers on AWS (timers_test.go).
	"TimersFunction": "timers",
}

// mustParse parses the template with goformation, resolving parameters to
// their defaults.
func mustParse(t *testing.T) *cloudformation.Template {
	t.Helper()
	tpl, err := goformation.Open(templatePath)
	if err != nil {
		t.Fatalf("goformation: %v", err)
	}
	return tpl
}

// mustRaw returns the template as JSON with the intrinsic functions in
// their long form ({"Ref": ...}, {"Fn::GetAtt": ...}), unresolved.
func mustRaw(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	js, err := intrinsics.ProcessYAML(data, &intrinsics.ProcessorOptions{NoProcess: true})
	if err != nil {
		t.Fatalf("yaml: %v", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(js, &raw); err != nil {
		t.Fatal(err)
	}
	return raw
}

func resources(raw map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for name, r := range raw["Resources"].(map[string]any) {
		out[name] = r.(map[string]any)
	}
	return out
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// decode re-decodes v (a part of the raw template) into out.
func decode(t *testing.T, v any, out any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

func TestTemplate_Parses(t *testing.T) {
	tpl := mustParse(t)
	if tpl.Transform == nil || tpl.Transform.String == nil || *tpl.Transform.String != "AWS::Serverless-2016-10-31" {
		t.Errorf("transform = %+v", tpl.Transform)
	}
	for _, p := range []string{"Environment", "AppName", "Architecture", "Extractor"} {
		if _, ok := tpl.Parameters[p]; !ok {
			t.Errorf("parameter %s missing", p)
		}
	}
	for _, o := range []string{"ApiEndpoint", "RawBucketName", "CommunicationsTableName", "NotificationTopicArn", "ExtractionDLQUrl", "NotificationDLQUrl"} {
		if _, ok := tpl.Outputs[o]; !ok {
			t.Errorf("output %s missing", o)
		}
	}
}

func TestTemplate_Functions(t *testing.T) {
	tpl := mustParse(t)
	fns := tpl.GetAllServerlessFunctionResources()
	if len(fns) != len(functions) {
		t.Errorf("%d functions, want %d", len(fns), len(functions))
	}
	for name, binary := range functions {
		f, ok := fns[name]
		if !ok {
			t.Errorf("function %s missing", name)
			continue
		}
		if aws.ToString(f.Runtime) != "provided.al2023" || aws.ToString(f.Handler) != "bootstrap" {
			t.Errorf("%s: runtime %q handler %q, want provided.al2023 and bootstrap", name, aws.ToString(f.Runtime), aws.ToString(f.Handler))
		}
		if !reflect.DeepEqual(f.Architectures, []string{"arm64"}) {
			t.Errorf("%s: architectures %v, want the Architecture parameter (default arm64)", name, f.Architectures)
		}
		if aws.ToString(f.Tracing) != "Active" {
			t.Errorf("%s: X-Ray tracing %q", name, aws.ToString(f.Tracing))
		}
		if f.CodeUri == nil || f.CodeUri.String == nil || *f.CodeUri.String != "../../dist/lambda/"+binary+".zip" {
			t.Errorf("%s: CodeUri %+v, want ../../dist/lambda/%s.zip (make lambda)", name, f.CodeUri, binary)
		}
		// Only S3 invokes a function asynchronously (extraction). API
		// Gateway invokes the API functions synchronously: Lambda neither
		// retries them nor sends their events to a destination, so an
		// EventInvokeConfig there would promise a dead-letter queue that
		// never fills. The stream consumer's retries are its mapping's.
		// SNS invokes the live fan-out asynchronously too (live_test.go);
		// S3 the upload function (issue 16).
		async := name == "ExtractionFunction" || name == "LiveFanoutFunction" || name == "UploadFunction"
		if async && f.EventInvokeConfig == nil {
			t.Errorf("%s: no EventInvokeConfig (on-failure destination)", name)
		}
		if !async && f.EventInvokeConfig != nil {
			t.Errorf("%s: EventInvokeConfig on a function that is never invoked asynchronously", name)
		}
	}

	// NOTIFICATION_TOPIC_ARN is set (the original never set it).
	raw := resources(mustRaw(t))
	vars := props(raw["NotificationFunction"])["Environment"].(map[string]any)["Variables"].(map[string]any)
	if !reflect.DeepEqual(vars["NOTIFICATION_TOPIC_ARN"], map[string]any{"Ref": "NotificationTopic"}) {
		t.Errorf("NOTIFICATION_TOPIC_ARN = %v, want !Ref NotificationTopic", vars["NOTIFICATION_TOPIC_ARN"])
	}
	if !reflect.DeepEqual(vars["LEDGER_TABLE"], map[string]any{"Ref": "LedgerTable"}) {
		t.Errorf("LEDGER_TABLE = %v", vars["LEDGER_TABLE"])
	}
}

// TestTemplate_Table compares the table with dynamodb.TableDefinition, the
// layout the adapter reads and writes.
func TestTemplate_Table(t *testing.T) {
	tpl := mustParse(t)
	tbl, err := tpl.GetDynamoDBTableWithName("CommunicationsTable")
	if err != nil {
		t.Fatal(err)
	}
	def := dtddb.TableDefinition("x")
	if aws.ToString(tbl.BillingMode) != string(def.BillingMode) {
		t.Errorf("billing mode %q", aws.ToString(tbl.BillingMode))
	}
	if tbl.StreamSpecification == nil || tbl.StreamSpecification.StreamViewType != "NEW_AND_OLD_IMAGES" {
		t.Errorf("stream %+v, want NEW_AND_OLD_IMAGES", tbl.StreamSpecification)
	}
	keys := func(ks []dynamodb.Table_KeySchema) string {
		var s []string
		for _, k := range ks {
			s = append(s, k.AttributeName+":"+k.KeyType)
		}
		return strings.Join(s, ",")
	}
	defKeys := func(name string) string {
		for _, k := range def.KeySchema {
			if name == "" {
				return keysOf(def.KeySchema)
			}
			_ = k
		}
		for _, g := range def.GlobalSecondaryIndexes {
			if aws.ToString(g.IndexName) == name {
				return keysOf(g.KeySchema)
			}
		}
		return "?"
	}
	if got, want := keys(tbl.KeySchema), defKeys(""); got != want {
		t.Errorf("key schema %s, want %s", got, want)
	}
	if len(tbl.GlobalSecondaryIndexes) != len(def.GlobalSecondaryIndexes) {
		t.Errorf("%d GSIs, want %d", len(tbl.GlobalSecondaryIndexes), len(def.GlobalSecondaryIndexes))
	}
	for _, g := range tbl.GlobalSecondaryIndexes {
		if got, want := keys(g.KeySchema), defKeys(g.IndexName); got != want {
			t.Errorf("%s: keys %s, want %s", g.IndexName, got, want)
		}
		if g.Projection == nil || aws.ToString(g.Projection.ProjectionType) != "ALL" {
			t.Errorf("%s: projection %+v", g.IndexName, g.Projection)
		}
	}
	var attrs []string
	for _, a := range tbl.AttributeDefinitions {
		attrs = append(attrs, a.AttributeName+":"+a.AttributeType)
	}
	var want []string
	for _, a := range def.AttributeDefinitions {
		want = append(want, aws.ToString(a.AttributeName)+":"+string(a.AttributeType))
	}
	sort.Strings(attrs)
	sort.Strings(want)
	if !slices.Equal(attrs, want) {
		t.Errorf("attributes %v, want %v", attrs, want)
	}

	ledger, err := tpl.GetDynamoDBTableWithName("LedgerTable")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keys(ledger.KeySchema), keysOf(dtddb.LedgerDefinition("x").KeySchema); got != want {
		t.Errorf("ledger keys %s, want %s", got, want)
	}
	if ledger.TimeToLiveSpecification == nil || aws.ToString(ledger.TimeToLiveSpecification.AttributeName) != dtddb.AttrExpiresAt {
		t.Errorf("ledger TTL %+v", ledger.TimeToLiveSpecification)
	}
}

func keysOf[K interface{ ~[]E }, E any](ks K) string {
	var s []string
	for _, k := range ks {
		v := reflect.ValueOf(k)
		s = append(s, aws.ToString(v.FieldByName("AttributeName").Interface().(*string))+":"+fmt.Sprint(v.FieldByName("KeyType").Interface()))
	}
	return strings.Join(s, ",")
}

// streamEvent is SAM's DynamoDB event, with the properties goformation's
// model lacks (FilterCriteria, FunctionResponseTypes).
type streamEvent struct {
	Type       string
	Properties struct {
		Stream                     any
		StartingPosition           string
		BatchSize                  int
		MaximumRetryAttempts       int
		MaximumRecordAgeInSeconds  int
		BisectBatchOnFunctionError bool
		ParallelizationFactor      int
		FunctionResponseTypes      []string
		FilterCriteria             struct{ Filters []struct{ Pattern string } }
		DestinationConfig          struct {
			OnFailure struct {
				Type        string
				Destination any
			}
		}
	}
}

// TestTemplate_NotificationMapping: the stream mapping is
// mapping.Notification(), the local runtime's default.
func TestTemplate_NotificationMapping(t *testing.T) {
	raw := resources(mustRaw(t))
	events := props(raw["NotificationFunction"])["Events"].(map[string]any)
	if len(events) != 1 {
		t.Fatalf("notification events: %v", events)
	}
	var ev streamEvent
	decode(t, events["CommunicationsStream"], &ev)
	p, m := ev.Properties, mapping.Notification()
	var filters []string
	for _, f := range p.FilterCriteria.Filters {
		filters = append(filters, f.Pattern)
	}
	got := mapping.EventSourceMapping{
		Source:                     "aws:dynamodb",
		Filters:                    filters,
		BatchSize:                  p.BatchSize,
		MaximumRetryAttempts:       p.MaximumRetryAttempts,
		MaximumRecordAgeInSeconds:  p.MaximumRecordAgeInSeconds,
		BisectBatchOnFunctionError: p.BisectBatchOnFunctionError,
		ParallelizationFactor:      p.ParallelizationFactor,
		StartingPosition:           p.StartingPosition,
		FunctionResponseTypes:      p.FunctionResponseTypes,
	}
	if ev.Type != "DynamoDB" || !reflect.DeepEqual(got, m) {
		t.Errorf("template's stream mapping\n %+v\nmapping.Notification()\n %+v", got, m)
	}
	if getAtt(p.Stream) != "CommunicationsTable.StreamArn" {
		t.Errorf("stream = %v", p.Stream)
	}
	if p.DestinationConfig.OnFailure.Type != "SQS" || getAtt(p.DestinationConfig.OnFailure.Destination) != "NotificationDLQ.Arn" {
		t.Errorf("on-failure destination = %+v", p.DestinationConfig.OnFailure)
	}
	// The architecture document's pattern, whitespace aside.
	var a, b any
	_ = json.Unmarshal([]byte(`{"dynamodb": {"NewImage": {"metadata": {"M": {"urgency": {"S": ["high"]}}}}}}`), &a)
	_ = json.Unmarshal([]byte(filters[0]), &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("filter %s is not the architecture document's", filters[0])
	}
}

// TestTemplate_ExtractionTrigger: s3:ObjectCreated:* on the raw bucket,
// written out as the bucket's NotificationConfiguration (not a SAM S3
// event, whose permission has no SourceArn), and the asynchronous retry
// settings of mapping.Extraction().
func TestTemplate_ExtractionTrigger(t *testing.T) {
	raw := resources(mustRaw(t))
	for name := range functions {
		evs, _ := props(raw[name])["Events"].(map[string]any)
		for evName, ev := range evs {
			if ev.(map[string]any)["Type"] == "S3" {
				t.Errorf("%s: SAM S3 event %s: its invoke permission has no SourceArn; use the bucket's NotificationConfiguration", name, evName)
			}
		}
	}
	lc := lambdaConfigurations(t, raw)
	if len(lc) != 2 {
		t.Fatalf("bucket notification: %d Lambda configurations, want 2 (extraction, uploads)", len(lc))
	}
	for i, fn := range []string{"ExtractionFunction.Arn", "UploadFunction.Arn"} {
		if lc[i].Event != mapping.ObjectCreatedEvents || getAtt(lc[i].Function) != fn {
			t.Errorf("bucket notification %d = %+v, want %s to %s", i, lc[i], mapping.ObjectCreatedEvents, fn)
		}
	}
	for _, fn := range []string{"ExtractionFunction", "UploadFunction"} {
		checkAsync(t, raw, fn, strings.Replace(fn, "Function", "DLQ", 1)+".Arn")
	}
}

// checkAsync checks the asynchronous invocation settings of function fn:
// mapping.Extraction()'s retries and age, within Lambda's limits, and
// its on-failure queue dlq.
func checkAsync(t *testing.T, raw map[string]map[string]any, fn, dlq string) {
	t.Helper()
	p := props(raw[fn])
	var eic struct {
		MaximumRetryAttempts     int
		MaximumEventAgeInSeconds int
		DestinationConfig        struct {
			OnFailure struct {
				Type        string
				Destination any
			}
		}
	}
	decode(t, p["EventInvokeConfig"], &eic)
	m := mapping.Extraction()
	if eic.MaximumRetryAttempts != m.MaximumRetryAttempts || eic.MaximumEventAgeInSeconds != m.MaximumRecordAgeInSeconds {
		t.Errorf("%s: EventInvokeConfig retries %d age %d, want mapping.Extraction()'s %d and %d", fn,
			eic.MaximumRetryAttempts, eic.MaximumEventAgeInSeconds, m.MaximumRetryAttempts, m.MaximumRecordAgeInSeconds)
	}
	if m.MaximumRetryAttempts > mapping.MaxAsyncRetryAttempts || m.MaximumRecordAge() > mapping.MaxAsyncEventAge {
		t.Errorf("mapping.Extraction() is outside Lambda's asynchronous limits: %+v", m)
	}
	if eic.DestinationConfig.OnFailure.Type != "SQS" || getAtt(eic.DestinationConfig.OnFailure.Destination) != dlq {
		t.Errorf("%s on-failure destination = %+v, want %s", fn, eic.DestinationConfig.OnFailure, dlq)
	}
}

// lambdaConfiguration is one entry of the bucket's
// NotificationConfiguration.LambdaConfigurations.
type lambdaConfiguration struct {
	Event    string
	Function any
	Filter   struct {
		S3Key struct {
			Rules []struct{ Name, Value string }
		}
	}
}

// matches reports whether S3 would send key's event under c's filter:
// the key must start with the prefix rule's value and end with the suffix
// rule's (S3 compares case-sensitively; a rule absent matches all).
func (c lambdaConfiguration) matches(key string) bool {
	for _, r := range c.Filter.S3Key.Rules {
		switch strings.ToLower(r.Name) {
		case "prefix":
			if !strings.HasPrefix(key, r.Value) {
				return false
			}
		case "suffix":
			if !strings.HasSuffix(key, r.Value) {
				return false
			}
		}
	}
	return true
}

func lambdaConfigurations(t *testing.T, raw map[string]map[string]any) []lambdaConfiguration {
	t.Helper()
	var nc struct{ LambdaConfigurations []lambdaConfiguration }
	decode(t, props(raw["RawCommunicationsBucket"])["NotificationConfiguration"], &nc)
	return nc.LambdaConfigurations
}

// TestTemplate_ExtractionKeyFilter builds the object keys ingestion writes
// with the code that writes them (doctales.ObjectKey, ingest.RawKey,
// ingest.AttachmentKey) and checks that the bucket's filter lets through
// the communication's JSON object and not the raw originals or the
// attachments beside it, which would each invoke extraction for nothing.
// The one exception S3's prefix/suffix filter cannot express, an
// attachment whose own name ends in .json, must be one the function skips.
func TestTemplate_ExtractionKeyFilter(t *testing.T) {
	lc := lambdaConfigurations(t, resources(mustRaw(t)))
	if len(lc) != 2 {
		t.Fatalf("bucket notification: %d Lambda configurations, want 2", len(lc))
	}
	up := lc[1]
	ts := time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)
	for _, owner := range []string{"", doctales.DefaultUserID, "c0ffee00-1234-4abc-8def-0123456789ab"} {
		c := &doctales.Communication{ID: "email-123", Type: "email", Owner: owner, Timestamp: ts}
		keys := map[string]bool{doctales.ObjectKey(c): true} // key -> should start extraction
		for _, ext := range []string{".eml", "." + ingest.FormatText, "." + ingest.FormatMarkdown, "." + ingest.FormatHTML, "." + ingest.FormatPDF, "." + ingest.FormatDOCX} {
			keys[ingest.RawKey(c, ext)] = false
		}
		for i, name := range []string{"report.pdf", "photo.JPG", "notes.txt", "no extension", "data.JSON"} {
			keys[ingest.AttachmentKey(c, i+1, name)] = false
		}
		for key, want := range keys {
			if want != function.IsCommunicationKey(key) {
				t.Fatalf("test is wrong about %q: function.IsCommunicationKey = %v", key, !want)
			}
			if got := lc[0].matches(key); got != want {
				t.Errorf("owner %q: key %q starts extraction = %v, want %v", owner, key, got, want)
			}
			if up.matches(key) {
				t.Errorf("owner %q: key %q starts an upload's ingestion", owner, key)
			}
		}
		// S3 cannot tell these from a communication's key; the function
		// skips them.
		odd := ingest.AttachmentKey(c, 9, "export.json")
		if !lc[0].matches(odd) || function.IsCommunicationKey(odd) {
			t.Errorf("attachment %q: filter %v, IsCommunicationKey %v; want true, false (the documented exception)", odd, lc[0].matches(odd), function.IsCommunicationKey(odd))
		}
		// An upload's key starts its ingestion and not extraction, and
		// the two filters cannot overlap (S3 refuses a configuration where
		// one key could match both): their suffixes differ and neither
		// ends the other.
		upKey := doctales.UploadKey(owner, doctales.NewUploadID())
		if !up.matches(upKey) || lc[0].matches(upKey) {
			t.Errorf("upload key %q: upload filter %v, extraction filter %v; want true, false", upKey, up.matches(upKey), lc[0].matches(upKey))
		}
	}
	suffix := func(c lambdaConfiguration) string {
		for _, r := range c.Filter.S3Key.Rules {
			if strings.EqualFold(r.Name, "suffix") {
				return r.Value
			}
		}
		return ""
	}
	a, b := suffix(lc[0]), suffix(up)
	if a == "" || b == "" || strings.HasSuffix(a, b) || strings.HasSuffix(b, a) {
		t.Errorf("suffixes %q and %q overlap: S3 would refuse the notification", a, b)
	}
}

// TestTemplate_ExtractionInvokePermission: S3 may invoke the extraction
// function for the raw bucket of this account only (SourceArn and
// SourceAccount), and the bucket waits for the permission, as S3 checks
// it when the notification is put.
func TestTemplate_ExtractionInvokePermission(t *testing.T) {
	raw := resources(mustRaw(t))
	var perms []string
	for name, r := range raw {
		// WebSocketInvokePermission is API Gateway's (live_test.go).
		if r["Type"] == "AWS::Lambda::Permission" && name != "WebSocketInvokePermission" {
			perms = append(perms, name)
		}
	}
	sort.Strings(perms)
	if !reflect.DeepEqual(perms, []string{"ExtractionInvokePermission", "UploadInvokePermission"}) {
		t.Fatalf("Lambda permissions %v, want S3 -> extraction and S3 -> uploads", perms)
	}
	for _, perm := range perms {
		var p struct {
			FunctionName  any
			Action        string
			Principal     string
			SourceAccount any
			SourceArn     any
		}
		decode(t, props(raw[perm]), &p)
		fn := strings.TrimSuffix(perm, "InvokePermission") + "Function.Arn"
		if getAtt(p.FunctionName) != fn || p.Action != "lambda:InvokeFunction" || p.Principal != "s3.amazonaws.com" {
			t.Errorf("%s = %+v, want S3 invoking %s", perm, p, fn)
		}
		if !reflect.DeepEqual(p.SourceAccount, map[string]any{"Ref": "AWS::AccountId"}) {
			t.Errorf("%s: SourceAccount %v, want !Ref AWS::AccountId", perm, p.SourceAccount)
		}
		bucket := bucketNameExpr(t, raw)
		if want := "arn:${AWS::Partition}:s3:::" + bucket; sub(p.SourceArn) != want {
			t.Errorf("%s: SourceArn %v, want !Sub %q", perm, p.SourceArn, want)
		}
		if d := raw["RawCommunicationsBucket"]["DependsOn"]; fmt.Sprint(d) != perm && !slices.Contains(anyStrings(d), perm) {
			t.Errorf("RawCommunicationsBucket DependsOn %v, want %s", d, perm)
		}
	}
}

// sub returns the string of an Fn::Sub without variables map, or "".
func sub(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["Fn::Sub"].(string)
	return s
}

func anyStrings(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// bucketNameExpr returns the raw bucket's BucketName, an Fn::Sub string.
func bucketNameExpr(t *testing.T, raw map[string]map[string]any) string {
	t.Helper()
	name := sub(props(raw["RawCommunicationsBucket"])["BucketName"])
	if name == "" {
		t.Fatalf("RawCommunicationsBucket: BucketName %v is not an !Sub string", props(raw["RawCommunicationsBucket"])["BucketName"])
	}
	return name
}

// Sizes behind the worst-case bucket name.
const (
	// maxBucketName is S3's limit on a bucket name.
	maxBucketName = 63
	// accountIDLen is the length of an AWS account id.
	accountIDLen = 12
	// maxRegionLen is the longest region name allowed for: the longest
	// today have 14 characters (ap-southeast-1, cn-northwest-1,
	// us-isob-east-1, eusc-de-east-1); 2 more leave room for new ones.
	maxRegionLen = 16
)

// TestTemplate_BucketName: the raw bucket's name holds the account and the
// region (bucket names are global: another region of the same account, or
// another account, must get its own), and stays a valid S3 bucket name of
// at most 63 characters at the longest AppName the parameter admits (its
// MaxLength and the longest string its AllowedPattern matches), the
// longest Environment and the longest region. Every other place that names
// the bucket (policies, environment, outputs) uses the same expression.
func TestTemplate_BucketName(t *testing.T) {
	rawTpl := mustRaw(t)
	raw := resources(rawTpl)
	expr := bucketNameExpr(t, raw)
	for _, v := range []string{"${AWS::Region}", "${AWS::AccountId}", "${AppName}", "${Environment}"} {
		if !strings.Contains(expr, v) {
			t.Errorf("bucket name %q does not contain %s", expr, v)
		}
	}

	params := rawTpl["Parameters"].(map[string]any)
	app := params["AppName"].(map[string]any)
	appLen := longestAllowed(t, "AppName", app)
	longestApp := longestMatch(t, fmt.Sprint(app["AllowedPattern"]), appLen)
	env := ""
	for _, v := range params["Environment"].(map[string]any)["AllowedValues"].([]any) {
		if s := fmt.Sprint(v); len(s) > len(env) {
			env = s
		}
	}
	worst := strings.NewReplacer(
		"${AppName}", longestApp,
		"${Environment}", env,
		"${AWS::AccountId}", strings.Repeat("9", accountIDLen),
		"${AWS::Region}", strings.Repeat("x", maxRegionLen),
	).Replace(expr)
	if strings.Contains(worst, "${") {
		t.Fatalf("bucket name %q has a variable this test does not size: %q", expr, worst)
	}
	if len(worst) > maxBucketName {
		t.Errorf("bucket name %q is %d characters at AppName %q (%d), Environment %q and a %d-character region; S3 allows %d",
			worst, len(worst), longestApp, len(longestApp), env, maxRegionLen, maxBucketName)
	}
	// S3's rules for general purpose buckets, at the shortest AppName too.
	valid := regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	for _, name := range []string{worst, strings.Replace(worst, longestApp, "ab", 1)} {
		if !valid.MatchString(name) || strings.HasPrefix(name, "xn--") || strings.HasSuffix(name, "-s3alias") || strings.HasSuffix(name, "--ol-s3") {
			t.Errorf("bucket name %q breaks S3's naming rules", name)
		}
	}

	// Every other mention is the same expression.
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "Fn::Sub" && strings.Contains(s, "-raw") {
					if !strings.Contains(s, expr) {
						t.Errorf("%q names the raw bucket otherwise than %q", s, expr)
					}
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(rawTpl["Resources"])
	walk(rawTpl["Outputs"])
}

// longestAllowed returns the most characters parameter p admits: its
// MaxLength, or the longest string its AllowedPattern can match, whichever
// is smaller. Neither bounded fails the test.
func longestAllowed(t *testing.T, name string, p map[string]any) int {
	t.Helper()
	n := -1
	if pat, ok := p["AllowedPattern"].(string); ok {
		re, err := syntax.Parse(pat, syntax.Perl)
		if err != nil {
			t.Fatalf("%s: AllowedPattern %q: %v", name, pat, err)
		}
		n = maxLen(re.Simplify())
	}
	if ml, ok := p["MaxLength"].(float64); ok && (n < 0 || int(ml) < n) {
		n = int(ml)
	}
	if n < 0 {
		t.Fatalf("parameter %s has no MaxLength and an unbounded AllowedPattern: no name length is safe", name)
	}
	return n
}

// maxLen returns the most runes re matches, or -1 when unbounded.
func maxLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return 0
	case syntax.OpLiteral:
		return len(re.Rune)
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture:
		return maxLen(re.Sub[0])
	case syntax.OpQuest:
		return maxLen(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus:
		return -1
	case syntax.OpRepeat:
		n := maxLen(re.Sub[0])
		if re.Max < 0 || n < 0 {
			return -1
		}
		return n * re.Max
	case syntax.OpConcat, syntax.OpAlternate:
		total := 0
		for _, s := range re.Sub {
			n := maxLen(s)
			if n < 0 {
				return -1
			}
			if re.Op == syntax.OpConcat {
				total += n
			} else {
				total = max(total, n)
			}
		}
		return total
	}
	return -1
}

// longestMatch returns a string of n characters that pattern matches in
// full (CloudFormation anchors AllowedPattern), preferring hyphens where
// the pattern allows them; it fails the test when there is none.
func longestMatch(t *testing.T, pattern string, n int) string {
	t.Helper()
	re := regexp.MustCompile("^(?:" + pattern + ")$")
	for _, fill := range []string{"-", "9", "z"} {
		for _, first := range []string{"a", "z"} {
			for _, last := range []string{"a", "9", "-"} {
				if n < 2 {
					continue
				}
				s := first + strings.Repeat(fill, n-2) + last
				if re.MatchString(s) {
					return s
				}
			}
		}
	}
	t.Fatalf("no %d-character string found matching %q", n, pattern)
	return ""
}

// TestTemplate_DataRetained: the bucket and every table keep their data
// when the stack is deleted (a non-empty bucket would fail the deletion,
// while the tables went) or when a change replaces them: DeletionPolicy
// and UpdateReplacePolicy Retain on each (docs/aws.md, "Deleting the
// stack").
func TestTemplate_DataRetained(t *testing.T) {
	n := 0
	for name, r := range resources(mustRaw(t)) {
		switch r["Type"] {
		case "AWS::S3::Bucket", "AWS::DynamoDB::Table":
			if name == "ConnectionsTable" {
				continue // open connections only, deleted with the stack (live_test.go)
			}
			n++
			if r["DeletionPolicy"] != "Retain" || r["UpdateReplacePolicy"] != "Retain" {
				t.Errorf("%s: DeletionPolicy %v, UpdateReplacePolicy %v; want Retain and Retain", name, r["DeletionPolicy"], r["UpdateReplacePolicy"])
			}
		}
	}
	if n != 5 {
		t.Errorf("%d buckets and tables, want 5 (the raw bucket, communications, user profiles, ledger, timers)", n)
	}
}

// getAtt returns "Resource.Attribute" of an Fn::GetAtt in either form
// (!GetAtt A.B or [A, B]), or "".
func getAtt(v any) string {
	m, _ := v.(map[string]any)
	switch x := m["Fn::GetAtt"].(type) {
	case string:
		return x
	case []any:
		if len(x) == 2 {
			return fmt.Sprintf("%v.%v", x[0], x[1])
		}
	}
	return ""
}

// refs returns the names v refers to: Ref targets, Fn::GetAtt resources,
// and ${Name} or ${Name.Attr} in Fn::Sub strings.
func refs(v any) []string {
	var out []string
	var walk func(v any)
	sub := regexp.MustCompile(`\$\{([A-Za-z0-9:]+)(\.[A-Za-z0-9.]+)?\}`)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				switch k {
				case "Ref":
					if s, ok := x.(string); ok {
						out = append(out, s)
						continue
					}
				case "Fn::GetAtt":
					if l, ok := x.([]any); ok && len(l) > 0 {
						out = append(out, fmt.Sprint(l[0]))
						continue
					}
					if s, ok := x.(string); ok {
						res, _, _ := strings.Cut(s, ".")
						out = append(out, res)
						continue
					}
				case "Fn::Sub":
					s, _ := x.(string)
					if l, ok := x.([]any); ok && len(l) > 0 {
						s, _ = l[0].(string)
						walk(l[1:])
					}
					for _, m := range sub.FindAllStringSubmatch(s, -1) {
						out = append(out, m[1])
					}
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

// TestTemplate_References checks that every reference names a parameter, a
// resource or a pseudo parameter, that every condition used is defined, and
// that the resources depend on one another without a cycle (the bucket's
// notification needs the function and its invoke permission).
func TestTemplate_References(t *testing.T) {
	raw := mustRaw(t)
	res := resources(raw)
	params := raw["Parameters"].(map[string]any)
	conds := raw["Conditions"].(map[string]any)

	known := func(name string) bool {
		_, isParam := params[name]
		_, isRes := res[name]
		return isParam || isRes || strings.HasPrefix(name, "AWS::")
	}
	for _, section := range []string{"Resources", "Outputs", "Conditions"} {
		for _, name := range refs(raw[section]) {
			if !known(name) {
				t.Errorf("%s: reference to unknown %q", section, name)
			}
		}
	}
	for name, r := range res {
		if c, ok := r["Condition"].(string); ok {
			if _, ok := conds[c]; !ok {
				t.Errorf("%s: unknown condition %q", name, c)
			}
		}
	}

	// The dependency graph.
	deps := map[string][]string{}
	for name, r := range res {
		for _, x := range refs(r) {
			if _, ok := res[x]; ok && x != name {
				deps[name] = append(deps[name], x)
			}
		}
		switch d := r["DependsOn"].(type) {
		case string:
			deps[name] = append(deps[name], d)
		case []any:
			for _, x := range d {
				deps[name] = append(deps[name], fmt.Sprint(x))
			}
		}
	}
	if cycle := findCycle(deps); cycle != nil {
		t.Errorf("circular dependency: %s", strings.Join(cycle, " -> "))
	}
	// No other resource refers to the bucket: it is named, not referenced.
	for name, ds := range deps {
		if name != "RawCommunicationsBucket" && slices.Contains(ds, "RawCommunicationsBucket") {
			t.Errorf("%s refers to RawCommunicationsBucket; use its name to avoid a cycle", name)
		}
	}
}

// findCycle returns a dependency cycle, or nil.
func findCycle(deps map[string][]string) []string {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var visit func(n string) []string
	visit = func(n string) []string {
		color[n] = grey
		stack = append(stack, n)
		for _, d := range deps[n] {
			switch color[d] {
			case grey:
				i := slices.Index(stack, d)
				return append(slices.Clone(stack[i:]), d)
			case white:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
		return nil
	}
	names := make([]string, 0, len(deps))
	for n := range deps {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if color[n] == white {
			if c := visit(n); c != nil {
				return c
			}
		}
	}
	return nil
}

func TestFindCycle(t *testing.T) {
	if c := findCycle(map[string][]string{"a": {"b"}, "b": {"c"}}); c != nil {
		t.Errorf("acyclic: %v", c)
	}
	if c := findCycle(map[string][]string{"Bucket": {"Fn"}, "Fn": {"Role"}, "Role": {"Bucket"}}); len(c) != 4 {
		t.Errorf("cycle not found: %v", c)
	}
}

// TestTemplate_LeastPrivilege: inline statements only, no wildcard actions,
// and resource "*" only where the service has no resource (Comprehend's
// detect calls).
func TestTemplate_LeastPrivilege(t *testing.T) {
	res := resources(mustRaw(t))
	for name := range functions {
		pols, _ := props(res[name])["Policies"].([]any)
		if len(pols) == 0 {
			t.Errorf("%s: no policies", name)
		}
		for _, p := range pols {
			// Unwrap !If [cond, policy, !Ref AWS::NoValue].
			if m, ok := p.(map[string]any); ok {
				if l, ok := m["Fn::If"].([]any); ok {
					p = l[1]
				}
			}
			var doc struct {
				Statement []struct {
					Sid       string
					Effect    string
					Action    []string
					Resource  any
					Condition map[string]map[string]any
				}
			}
			decode(t, p, &doc)
			for _, s := range doc.Statement {
				for _, a := range s.Action {
					if a == "*" || strings.HasSuffix(a, ":*") {
						t.Errorf("%s %s: wildcard action %q", name, s.Sid, a)
					}
				}
				// KMS through one service only (the encrypted topic) may
				// name every key: the AWS managed key has no stable ARN.
				viaService := s.Condition["StringEquals"]["kms:ViaService"] != nil && allPrefixed(s.Action, "kms:")
				if s.Resource == "*" && !allPrefixed(s.Action, "comprehend:") && !viaService {
					t.Errorf("%s %s: resource * for %v", name, s.Sid, s.Action)
				}
			}
		}
	}
}

func allPrefixed(actions []string, prefix string) bool {
	for _, a := range actions {
		if !strings.HasPrefix(a, prefix) {
			return false
		}
	}
	return true
}

// TestTemplate_Alarms: all to AlarmTopic, an alarm on each dead-letter
// queue's depth, on each function's errors and throttles, on the stream's
// iterator age, on each failed delivery to an on-failure destination
// (DestinationDeliveryFailures of every function that has one, async or
// stream), and on the notification topic's failed deliveries
// (NumberOfNotificationsFailed). Every queue must be some function's
// on-failure destination, so that its depth alarm can fire.
func TestTemplate_Alarms(t *testing.T) {
	tpl := mustParse(t)
	raw := resources(mustRaw(t))
	want := map[string]bool{}
	destinations := map[string]string{} // queue -> function sending to it
	for name := range functions {
		want["Errors/"+name] = true
		want["Throttles/"+name] = true
		p := props(raw[name])
		var onFailure []any
		if eic, ok := p["EventInvokeConfig"].(map[string]any); ok {
			onFailure = append(onFailure, eic)
		}
		evs, _ := p["Events"].(map[string]any)
		for _, ev := range evs {
			onFailure = append(onFailure, props(ev.(map[string]any)))
		}
		for _, x := range onFailure {
			var dc struct {
				DestinationConfig struct{ OnFailure struct{ Destination any } }
			}
			b, _ := json.Marshal(x)
			_ = json.Unmarshal(b, &dc)
			if q, _, ok := strings.Cut(getAtt(dc.DestinationConfig.OnFailure.Destination), ".Arn"); ok {
				destinations[q] = name
				want["DestinationDeliveryFailures/"+name] = true
			}
		}
	}
	for name, r := range raw {
		if r["Type"] == "AWS::SQS::Queue" {
			want["ApproximateNumberOfMessagesVisible/"+name] = true
			if destinations[name] == "" {
				t.Errorf("queue %s is no function's on-failure destination: its alarm can never fire", name)
			}
		}
	}
	want["IteratorAge/NotificationFunction"] = true
	want["NumberOfNotificationsFailed/NotificationTopic"] = true
	// On the functions' EMF metrics (TestTemplate_Observability).
	want["comprehend_fallbacks_total/ExtractionFunction"] = true
	want["subscription_records_failed_total/ExtractionFunction"] = true
	want["subscription_records_failed_total/NotificationFunction"] = true

	got := map[string]bool{}
	for name, a := range tpl.GetAllCloudWatchAlarmResources() {
		dims := raw[name]["Properties"].(map[string]any)["Dimensions"].([]any)
		target := refs(dims)
		if len(target) != 1 {
			t.Errorf("%s: dimensions %v", name, dims)
			continue
		}
		got[aws.ToString(a.MetricName)+"/"+target[0]] = true
		if !reflect.DeepEqual(refs(raw[name]["Properties"].(map[string]any)["AlarmActions"]), []string{"AlarmTopic"}) {
			t.Errorf("%s: alarm actions do not go to AlarmTopic", name)
		}
		if _, ok := raw[target[0]]; !ok {
			t.Errorf("%s: watches %s, which is not a resource", name, target[0])
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("no alarm on %s", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("alarm on %s, which this test does not expect", k)
		}
	}
}

// TestTemplate_Serverless checks the typed SAM resources goformation
// builds: the HTTP API and the routes to the two API functions.
func TestTemplate_Serverless(t *testing.T) {
	tpl := mustParse(t)
	if _, err := tpl.GetServerlessHttpApiWithName("DocTalesApi"); err != nil {
		t.Fatal(err)
	}
	routes := map[string]string{}
	for name, f := range tpl.GetAllServerlessFunctionResources() {
		for _, ev := range f.Events {
			if ev.Type == "HttpApi" && ev.Properties != nil && ev.Properties.HttpApiEvent != nil {
				e := ev.Properties.HttpApiEvent
				routes[aws.ToString(e.Method)+" "+aws.ToString(e.Path)] = name
			}
		}
	}
	want := map[string]string{
		"POST /communications":        "IngestionFunction",
		"POST /uploads":               "IngestionFunction",
		"DELETE /communications/{id}": "IngestionFunction",
		"GET /communications":         "ApiFunction",
		"GET /communications/{id}":    "ApiFunction",
		"GET /user-profile":           "ApiFunction",
		"PUT /user-profile":           "ApiFunction",
		"POST /user-profile/activity": "ApiFunction",
		"GET /archetypes":             "ApiFunction",
		"GET /healthz":                "ApiFunction",
		"POST /live/ticket":           "ApiFunction",
		"GET /analytics/volume":       "ApiFunction",
		"GET /analytics/people":       "ApiFunction",
		"GET /analytics/deadlines":    "ApiFunction",
	}
	if !reflect.DeepEqual(routes, want) {
		t.Errorf("routes %v, want %v", routes, want)
	}
}

// TestTemplate_Auth: the HTTP API's default authorizer is a JWT authorizer
// on the template's Cognito user pool and client; each route asks for the
// scope the embedded server asks for (httpapi.RouteScopes), so a route
// whose scope changes in the code fails here until the template follows;
// only /healthz is public; the user pool offers exactly the code's scopes.
func TestTemplate_Auth(t *testing.T) {
	res := resources(mustRaw(t))
	api := props(res["DocTalesApi"])
	auth, _ := api["Auth"].(map[string]any)
	if auth["DefaultAuthorizer"] != "CognitoJwt" {
		t.Fatalf("DefaultAuthorizer = %v, want CognitoJwt", auth["DefaultAuthorizer"])
	}
	var authorizers map[string]struct {
		IdentitySource   string
		JwtConfiguration struct {
			Issuer   map[string]any `json:"issuer"`
			Audience []any          `json:"audience"`
		}
	}
	decode(t, auth["Authorizers"], &authorizers)
	jwt, ok := authorizers["CognitoJwt"]
	if !ok || jwt.IdentitySource != "$request.header.Authorization" {
		t.Fatalf("authorizer CognitoJwt = %+v", jwt)
	}
	if iss := fmt.Sprint(jwt.JwtConfiguration.Issuer["Fn::Sub"]); !strings.Contains(iss, "cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}") {
		t.Errorf("issuer %v is not the template's user pool", jwt.JwtConfiguration.Issuer)
	}
	if len(jwt.JwtConfiguration.Audience) != 1 || fmt.Sprint(jwt.JwtConfiguration.Audience[0]) != "map[Ref:UserPoolClient]" {
		t.Errorf("audience %v, want the UserPoolClient", jwt.JwtConfiguration.Audience)
	}

	// The pool's scopes are the code's.
	var scopes []struct{ ScopeName, ScopeDescription string }
	decode(t, props(res["UserPoolResourceServer"])["Scopes"], &scopes)
	var got []string
	for _, s := range scopes {
		got = append(got, s.ScopeName)
	}
	if fmt.Sprint(props(res["UserPoolResourceServer"])["Identifier"])+"/" != awslambda.ScopePrefix || !reflect.DeepEqual(got, doctales.Scopes) {
		t.Errorf("resource server %v scopes %v, want %s with %v", props(res["UserPoolResourceServer"])["Identifier"], got, awslambda.ScopePrefix, doctales.Scopes)
	}

	// Each route's scope.
	code := httpapi.RouteScopes()
	seen := 0
	for name := range functions {
		events, _ := props(res[name])["Events"].(map[string]any)
		for evName, ev := range events {
			e := ev.(map[string]any)
			if e["Type"] != "HttpApi" {
				continue
			}
			p := props(e)
			route := fmt.Sprint(p["Method"]) + " " + fmt.Sprint(p["Path"])
			a, _ := p["Auth"].(map[string]any)
			if route == "GET /healthz" {
				if a["Authorizer"] != "NONE" {
					t.Errorf("%s: /healthz must be public (Authorizer NONE), got %v", evName, a)
				}
				continue
			}
			want, ok := code[route]
			if !ok {
				t.Errorf("%s: route %s has no scope in httpapi.RouteScopes", evName, route)
				continue
			}
			if a["Authorizer"] != nil {
				t.Errorf("%s: %s overrides the authorizer: %v", evName, route, a["Authorizer"])
			}
			if fmt.Sprint(a["AuthorizationScopes"]) != "["+awslambda.ScopePrefix+want+"]" {
				t.Errorf("%s: %s scopes %v, want [%s%s] as the embedded server", evName, route, a["AuthorizationScopes"], awslambda.ScopePrefix, want)
			}
			seen++
		}
	}
	if seen < 7 {
		t.Errorf("%d routes checked, want every route but /healthz", seen)
	}
}

// TestTemplate_Hardening: no wildcard CORS anywhere, throttling by default
// and tighter on the routes that start paid work, the notification topic
// encrypted with KMS, the bucket closed to the public and to plain HTTP.
func TestTemplate_Hardening(t *testing.T) {
	raw, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`AllowOrigins:\s*\[\s*"\*"`).Match(raw) {
		t.Error("the template allows every origin")
	}
	res := resources(mustRaw(t))
	api := props(res["DocTalesApi"])
	if d, _ := api["DefaultRouteSettings"].(map[string]any); d["ThrottlingRateLimit"] == nil || d["ThrottlingBurstLimit"] == nil {
		t.Errorf("no default throttling: %v", api["DefaultRouteSettings"])
	}
	ingest := props(res["IngestionFunction"])["Events"].(map[string]any)
	for _, ev := range []string{"PostCommunication", "PostUpload", "DeleteCommunication"} {
		rs, _ := props(ingest[ev].(map[string]any))["RouteSettings"].(map[string]any)
		if rate, _ := rs["ThrottlingRateLimit"].(float64); rate == 0 || rate >= api["DefaultRouteSettings"].(map[string]any)["ThrottlingRateLimit"].(float64) {
			t.Errorf("%s: throttling %v, want a rate below the default", ev, rs)
		}
	}
	if k := props(res["NotificationTopic"])["KmsMasterKeyId"]; k == nil || k == "" {
		t.Error("the notification topic is not encrypted")
	}
	bucket := props(res["RawCommunicationsBucket"])
	var block map[string]bool
	decode(t, bucket["PublicAccessBlockConfiguration"], &block)
	for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if !block[k] {
			t.Errorf("bucket public access block %s = false", k)
		}
	}
	pol, _ := json.Marshal(props(res["RawCommunicationsBucketPolicy"])["PolicyDocument"])
	if !strings.Contains(string(pol), `"aws:SecureTransport":"false"`) || !strings.Contains(string(pol), `"Effect":"Deny"`) {
		t.Errorf("bucket policy does not deny plain HTTP: %s", pol)
	}
}

// TestTemplate_Uploads (issue 16, item 2): the function that presigns
// POST /uploads URLs may put objects under uploads/ (a presigned URL acts
// with its signer's permissions); the upload function may read and delete
// uploads only there, and write what ingestion writes; the bucket expires
// uploads that were never ingested.
func TestTemplate_Uploads(t *testing.T) {
	raw := resources(mustRaw(t))
	bucket := "arn:${AWS::Partition}:s3:::" + bucketNameExpr(t, raw)
	allowed := func(fn, action, resource string) bool {
		pols, _ := props(raw[fn])["Policies"].([]any)
		for _, p := range pols {
			var doc struct {
				Statement []struct {
					Sid, Effect string
					Action      []string
					Resource    any
				}
			}
			decode(t, p, &doc)
			for _, s := range doc.Statement {
				if s.Effect != "Allow" || !slices.Contains(s.Action, action) {
					continue
				}
				r := sub(s.Resource)
				if r == resource || (strings.HasSuffix(r, "/*") && strings.HasPrefix(resource, strings.TrimSuffix(r, "*"))) {
					return true
				}
			}
		}
		return false
	}
	upload := bucket + "/" + doctales.UploadKey("ana", "0123")
	if !allowed("IngestionFunction", "s3:PutObject", upload) {
		t.Errorf("IngestionFunction cannot put %s: its presigned URLs would be refused", upload)
	}
	for _, a := range []string{"s3:GetObject", "s3:DeleteObject"} {
		if !allowed("UploadFunction", a, upload) {
			t.Errorf("UploadFunction lacks %s on %s", a, upload)
		}
		if allowed("UploadFunction", a, bucket+"/email/2026/12/05/x.json") {
			t.Errorf("UploadFunction has %s beyond uploads/", a)
		}
	}
	if !allowed("UploadFunction", "s3:PutObject", bucket+"/users/ana/email/2026/12/05/x.json") {
		t.Error("UploadFunction cannot store the communication it ingests")
	}
	var lc struct {
		Rules []struct {
			Id, Status, Prefix             string
			ExpirationInDays               int
			AbortIncompleteMultipartUpload struct{ DaysAfterInitiation int }
		}
	}
	decode(t, props(raw["RawCommunicationsBucket"])["LifecycleConfiguration"], &lc)
	ok := false
	for _, r := range lc.Rules {
		if r.Status == "Enabled" && r.Prefix == doctales.UploadPrefix && r.ExpirationInDays > 0 && r.ExpirationInDays <= 7 {
			ok = true
		}
		if r.Prefix != doctales.UploadPrefix {
			t.Errorf("lifecycle rule %s expires %q: only uploads may expire", r.Id, r.Prefix)
		}
	}
	if !ok {
		t.Errorf("no lifecycle rule expires %s: %+v", doctales.UploadPrefix, lc.Rules)
	}
}

// TestTemplate_DimensionsOverflow (issue 16, item 3): the extraction
// function may put an item's overflowed dimensions object
// (dtddb.DimensionsSuffix) and nothing else, and that object's key does
// not start an extraction.
func TestTemplate_DimensionsOverflow(t *testing.T) {
	raw := resources(mustRaw(t))
	bucket := "arn:${AWS::Partition}:s3:::" + bucketNameExpr(t, raw)
	var puts []string
	pols, _ := props(raw["ExtractionFunction"])["Policies"].([]any)
	for _, p := range pols {
		if m, ok := p.(map[string]any); ok {
			if l, ok := m["Fn::If"].([]any); ok {
				p = l[1]
			}
		}
		var doc struct {
			Statement []struct {
				Sid, Effect string
				Action      []string
				Resource    any
				Condition   any
			}
		}
		decode(t, p, &doc)
		for _, s := range doc.Statement {
			if slices.Contains(s.Action, "s3:PutObject") {
				puts = append(puts, sub(s.Resource))
			}
		}
	}
	if want := []string{bucket + "/*" + dtddb.DimensionsSuffix}; !reflect.DeepEqual(puts, want) {
		t.Errorf("extraction may put %v, want %v", puts, want)
	}
	key := "users/ana/email/2026/12/05/x" + dtddb.DimensionsSuffix
	// Every function that reads the table may read the object a pointer
	// names (its reads resolve it).
	for fn := range functions {
		vars, _ := props(raw[fn])["Environment"].(map[string]any)["Variables"].(map[string]any)
		if vars["COMMUNICATIONS_TABLE"] == nil {
			continue
		}
		if !s3Allowed(t, raw, fn, "s3:GetObject", bucket+"/"+key) {
			t.Errorf("%s reads the table but cannot read %s", fn, key)
		}
	}
	for _, c := range lambdaConfigurations(t, raw) {
		if c.matches(key) {
			t.Errorf("%s starts %v", key, c.Function)
		}
	}
}

// s3Allowed reports whether an Allow statement of fn's policies grants
// action on the S3 object ARN resource (given as an !Sub string), "*" in
// a statement's resource matching any characters.
func s3Allowed(t *testing.T, raw map[string]map[string]any, fn, action, resource string) bool {
	t.Helper()
	pols, _ := props(raw[fn])["Policies"].([]any)
	for _, p := range pols {
		if m, ok := p.(map[string]any); ok {
			if l, ok := m["Fn::If"].([]any); ok {
				p = l[1]
			}
		}
		var doc struct {
			Statement []struct {
				Sid, Effect string
				Action      []string
				Resource    any
				Condition   any
			}
		}
		decode(t, p, &doc)
		for _, s := range doc.Statement {
			if s.Effect != "Allow" || !slices.Contains(s.Action, action) {
				continue
			}
			pat := "^" + strings.ReplaceAll(regexp.QuoteMeta(sub(s.Resource)), `\*`, ".*") + "$"
			if regexp.MustCompile(pat).MatchString(resource) {
				return true
			}
		}
	}
	return false
}

// TestTemplate_Observability checks what issue 16 added: the ADOT
// collector layer is a parameter (empty by default), attached to every
// function with the OTLP endpoint the code exports to only when given;
// the alarms on the functions' EMF metrics use the namespace, metric and
// dimension names of package emf, and each names the function's role as
// the binary writes it, so a renamed metric or dimension fails here
// rather than leaving an alarm that never fires.
func TestTemplate_Observability(t *testing.T) {
	doc := mustRaw(t)
	param, _ := doc["Parameters"].(map[string]any)["OtelCollectorLayerArn"].(map[string]any)
	if param == nil || param["Default"] != "" {
		t.Fatalf("parameter OtelCollectorLayerArn = %v, want one with default \"\"", param)
	}
	re := regexp.MustCompile(param["AllowedPattern"].(string))
	for arn, ok := range map[string]bool{
		"": true,
		"arn:aws:lambda:eu-west-1:901920570463:layer:aws-otel-collector-arm64-ver-0-102-1:1": true,
		"arn:aws:lambda:eu-west-1:901920570463:layer:aws-otel-collector-arm64-ver-0-102-1":   false,
		"aws-otel-collector-arm64": false,
	} {
		if re.MatchString(arn) != ok {
			t.Errorf("AllowedPattern on %q: %v, want %v", arn, !ok, ok)
		}
	}
	cond := map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "OtelCollectorLayerArn"}, ""}}}}
	if got := doc["Conditions"].(map[string]any)["HasOtelCollectorLayer"]; !reflect.DeepEqual(got, cond) {
		t.Errorf("HasOtelCollectorLayer = %v", got)
	}

	// Globals: every function, the layer and the endpoint, or neither.
	fn, _ := doc["Globals"].(map[string]any)["Function"].(map[string]any)
	layers := map[string]any{"Fn::If": []any{"HasOtelCollectorLayer", []any{map[string]any{"Ref": "OtelCollectorLayerArn"}}, map[string]any{"Ref": "AWS::NoValue"}}}
	if !reflect.DeepEqual(fn["Layers"], layers) {
		t.Errorf("Globals.Function.Layers = %v, want %v", fn["Layers"], layers)
	}
	endpoint := map[string]any{"Fn::If": []any{"HasOtelCollectorLayer", "http://localhost:4318", map[string]any{"Ref": "AWS::NoValue"}}}
	vars, _ := fn["Environment"].(map[string]any)["Variables"].(map[string]any)
	if !reflect.DeepEqual(vars["OTEL_EXPORTER_OTLP_ENDPOINT"], endpoint) {
		t.Errorf("Globals OTEL_EXPORTER_OTLP_ENDPOINT = %v, want %v", vars["OTEL_EXPORTER_OTLP_ENDPOINT"], endpoint)
	}
	raw := resources(doc)
	for name := range functions {
		// A function's own Layers would need merging with the global
		// !If, which SAM cannot do; its own endpoint would override.
		p := props(raw[name])
		if _, ok := p["Layers"]; ok {
			t.Errorf("%s has Layers of its own beside the global collector layer", name)
		}
		if v, _ := p["Environment"].(map[string]any)["Variables"].(map[string]any); v != nil {
			for k := range v {
				if strings.HasPrefix(k, "OTEL_") {
					t.Errorf("%s sets %s itself", name, k)
				}
			}
		}
	}

	// The EMF alarms speak the code's names.
	n := 0
	for name, r := range raw {
		p := props(r)
		if r["Type"] != "AWS::CloudWatch::Alarm" || p["Namespace"] != emf.Namespace {
			continue
		}
		n++
		metric, _ := p["MetricName"].(string)
		if _, ok := emf.Units[metric]; !ok {
			t.Errorf("%s: metric %q is not one the functions write (emf.Units)", name, metric)
		}
		dims := map[string]any{}
		for _, d := range p["Dimensions"].([]any) {
			d := d.(map[string]any)
			dims[d["Name"].(string)] = d["Value"]
		}
		target := refs(dims[emf.DimFunctionName])
		if len(dims) != 2 || len(target) != 1 {
			t.Errorf("%s: dimensions %v, want %s (a !Ref of the function) and %s", name, dims, emf.DimFunctionName, emf.DimFunction)
			continue
		}
		if role := functions[target[0]]; role == "" || dims[emf.DimFunction] != role {
			t.Errorf("%s: %s = %v, but %s runs the %q binary", name, emf.DimFunction, dims[emf.DimFunction], target[0], role)
		}
		if name == "ComprehendFallbacksAlarm" && r["Condition"] != "UseComprehend" {
			t.Errorf("%s: condition %v, want UseComprehend", name, r["Condition"])
		}
	}
	if n != 3 {
		t.Errorf("%d alarms in namespace %s, want 3", n, emf.Namespace)
	}
}

// TestTemplate_QuietHoursAndDigest (issue 13's quiet hours and digest on
// AWS): the QuietHours, Digest and Timezone parameters reach the
// notification and timers functions as the variables boot reads, and
// both may write the timers table as planning a held notification or a
// digest does (PutItem for its timer, UpdateItem for its entries).
func TestTemplate_QuietHoursAndDigest(t *testing.T) {
	doc := mustRaw(t)
	params := doc["Parameters"].(map[string]any)
	for name, def := range map[string]string{"QuietHours": "", "Digest": "", "Timezone": "UTC"} {
		p, _ := params[name].(map[string]any)
		if p == nil || p["Type"] != "String" || p["Default"] != def || p["Description"] == nil {
			t.Errorf("parameter %s = %v, want a described String with default %q", name, p, def)
		}
	}
	if p, _ := params["Digest"].(map[string]any); p != nil {
		re := regexp.MustCompile(p["AllowedPattern"].(string))
		for v, ok := range map[string]bool{"": true, "24h@08:00:email": true, "1h@0:30:sns": true, "30m@00:00:webhook": true,
			"daily": false, "24h@08:00:browser": false, "24h@8am:email": false, "24h:email": false} {
			if re.MatchString(v) != ok {
				t.Errorf("Digest AllowedPattern on %q: %v, want %v", v, !ok, ok)
			}
		}
	}
	res := resources(doc)
	for fn, actions := range map[string][]string{
		"NotificationFunction": {"dynamodb:PutItem", "dynamodb:UpdateItem"},
		"TimersFunction":       {"dynamodb:PutItem", "dynamodb:UpdateItem"},
	} {
		vars, _ := props(res[fn])["Environment"].(map[string]any)["Variables"].(map[string]any)
		for env, param := range map[string]string{"DOCTALES_QUIET_HOURS": "QuietHours", "DOCTALES_DIGEST": "Digest", "DOCTALES_TIMEZONE": "Timezone"} {
			if want := map[string]any{"Ref": param}; !reflect.DeepEqual(vars[env], want) {
				t.Errorf("%s %s = %v, want %v", fn, env, vars[env], want)
			}
		}
		var granted []string
		for _, p := range props(res[fn])["Policies"].([]any) {
			var doc struct {
				Statement []struct {
					Sid, Effect string
					Action      []string
					Resource    any
					Condition   any
				}
			}
			decode(t, p, &doc)
			for _, s := range doc.Statement {
				if getAtt(s.Resource) == "TimersTable.Arn" {
					granted = append(granted, s.Action...)
				}
			}
		}
		for _, a := range actions {
			if !slices.Contains(granted, a) {
				t.Errorf("%s may not %s the timers table (granted %v)", fn, a, granted)
			}
		}
	}
}
