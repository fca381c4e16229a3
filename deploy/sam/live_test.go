package sam_test

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	dtddb "github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/livews"
)

// The live stream on AWS (issue 16): the WebSocket API, its connections
// table, its two functions and the API's ticket route.

// The functions' environment variables (cmd/lambda/internal/boot, which
// this package may not import; boot's tests read the same names).
const (
	envConnectionsTable  = "CONNECTIONS_TABLE"
	envWebSocketURL      = "WEBSOCKET_URL"
	envWebSocketEndpoint = "WEBSOCKET_MANAGEMENT_ENDPOINT"
)

// TestTemplate_Connections compares the connections table with
// dynamodb.ConnectionsDefinition, the layout the adapter reads and writes,
// and checks its time to live and that it goes with the stack.
func TestTemplate_Connections(t *testing.T) {
	tpl := mustParse(t)
	tbl, err := tpl.GetDynamoDBTableWithName("ConnectionsTable")
	if err != nil {
		t.Fatal(err)
	}
	def := dtddb.ConnectionsDefinition("x")
	var keys []string
	for _, k := range tbl.KeySchema {
		keys = append(keys, k.AttributeName+":"+k.KeyType)
	}
	if got, want := strings.Join(keys, ","), keysOf(def.KeySchema); got != want {
		t.Errorf("key schema %s, want %s", got, want)
	}
	if len(tbl.GlobalSecondaryIndexes) != 1 || tbl.GlobalSecondaryIndexes[0].IndexName != dtddb.IndexConnOwner {
		t.Fatalf("indexes %+v, want %s", tbl.GlobalSecondaryIndexes, dtddb.IndexConnOwner)
	}
	g := tbl.GlobalSecondaryIndexes[0]
	var gk []string
	for _, k := range g.KeySchema {
		gk = append(gk, k.AttributeName+":"+k.KeyType)
	}
	if got, want := strings.Join(gk, ","), keysOf(def.GlobalSecondaryIndexes[0].KeySchema); got != want {
		t.Errorf("index keys %s, want %s", got, want)
	}
	if g.Projection == nil || aws.ToString(g.Projection.ProjectionType) != "ALL" {
		t.Errorf("index projection %+v", g.Projection)
	}
	var attrs, want []string
	for _, a := range tbl.AttributeDefinitions {
		attrs = append(attrs, a.AttributeName+":"+a.AttributeType)
	}
	for _, a := range def.AttributeDefinitions {
		want = append(want, aws.ToString(a.AttributeName)+":"+string(a.AttributeType))
	}
	sort.Strings(attrs)
	sort.Strings(want)
	if !slices.Equal(attrs, want) {
		t.Errorf("attributes %v, want %v", attrs, want)
	}
	if ttl := tbl.TimeToLiveSpecification; ttl == nil || !ttl.Enabled || aws.ToString(ttl.AttributeName) != dtddb.AttrExpiresAt {
		t.Errorf("time to live %+v, want enabled on %s", ttl, dtddb.AttrExpiresAt)
	}
	if tbl.SSESpecification == nil || !tbl.SSESpecification.SSEEnabled {
		t.Error("connections table not encrypted")
	}
	r := resources(mustRaw(t))["ConnectionsTable"]
	if r["DeletionPolicy"] != "Delete" || r["UpdateReplacePolicy"] != "Delete" {
		t.Errorf("DeletionPolicy %v UpdateReplacePolicy %v: open connections need not outlive the stack", r["DeletionPolicy"], r["UpdateReplacePolicy"])
	}
	if props(r)["TableName"] != nil {
		t.Error("a fixed TableName on a table deleted with the stack only gets in the way of the next one")
	}
}

// TestTemplate_WebSocketApi: a WEBSOCKET API whose three routes go to
// WebSocketFunction through one proxy integration, a stage named after the
// environment with throttling, and a permission for this API only.
func TestTemplate_WebSocketApi(t *testing.T) {
	raw := resources(mustRaw(t))
	api := props(raw["WebSocketApi"])
	if raw["WebSocketApi"]["Type"] != "AWS::ApiGatewayV2::Api" || api["ProtocolType"] != "WEBSOCKET" || api["RouteSelectionExpression"] == nil {
		t.Fatalf("WebSocketApi = %v", raw["WebSocketApi"])
	}
	integ := props(raw["WebSocketIntegration"])
	if integ["IntegrationType"] != "AWS_PROXY" || !strings.Contains(sub(integ["IntegrationUri"]), "${WebSocketFunction.Arn}/invocations") {
		t.Errorf("integration %v", integ)
	}
	routes := map[string]map[string]any{}
	for name, r := range raw {
		if r["Type"] == "AWS::ApiGatewayV2::Route" {
			p := props(r)
			routes[fmt.Sprint(p["RouteKey"])] = p
			if !reflect.DeepEqual(p["ApiId"], map[string]any{"Ref": "WebSocketApi"}) || sub(p["Target"]) != "integrations/${WebSocketIntegration}" {
				t.Errorf("%s: api %v target %v", name, p["ApiId"], p["Target"])
			}
		}
	}
	var keys []string
	for k := range routes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if fmt.Sprint(keys) != fmt.Sprint([]string{livews.RouteConnect, livews.RouteDefault, livews.RouteDisconnect}) {
		t.Errorf("routes %v", keys)
	}
	// $connect has no authorizer: the ticket is the credential, checked
	// by the function (an authorizer could not see the HTTP API's token).
	if routes[livews.RouteConnect]["AuthorizationType"] != "NONE" {
		t.Errorf("$connect authorization %v", routes[livews.RouteConnect]["AuthorizationType"])
	}

	stage := props(raw["WebSocketStage"])
	if !reflect.DeepEqual(stage["StageName"], map[string]any{"Ref": "Environment"}) || stage["AutoDeploy"] != true {
		t.Errorf("stage %v", stage)
	}
	if d, _ := stage["DefaultRouteSettings"].(map[string]any); d["ThrottlingRateLimit"] == nil || d["ThrottlingBurstLimit"] == nil {
		t.Errorf("stage without throttling: %v", stage["DefaultRouteSettings"])
	}

	perm := props(raw["WebSocketInvokePermission"])
	if getAtt(perm["FunctionName"]) != "WebSocketFunction.Arn" || perm["Principal"] != "apigateway.amazonaws.com" ||
		!strings.Contains(sub(perm["SourceArn"]), ":${WebSocketApi}/") {
		t.Errorf("permission %v", perm)
	}
}

// variables returns a function's environment variables.
func variables(raw map[string]map[string]any, fn string) map[string]any {
	env, _ := props(raw[fn])["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	return vars
}

// TestTemplate_LiveFanout: the fan-out reads every record of the table's
// stream (no filter: the SSE stream carries every change) and the
// notification topic, with livews's retry limits and no dead-letter
// queue; it posts through the stage's management endpoint, with
// permission for that stage's @connections only.
func TestTemplate_LiveFanout(t *testing.T) {
	raw := resources(mustRaw(t))
	p := props(raw["LiveFanoutFunction"])
	evs, _ := p["Events"].(map[string]any)
	if len(evs) != 2 {
		t.Fatalf("events %v, want the stream and the topic", evs)
	}
	var stream struct {
		Type       string
		Properties struct {
			Stream                     any
			StartingPosition           string
			BatchSize                  int
			MaximumRetryAttempts       int
			MaximumRecordAgeInSeconds  int
			BisectBatchOnFunctionError bool
			FunctionResponseTypes      []string
		}
	}
	decode(t, evs["CommunicationsStream"], &stream)
	sp := stream.Properties
	if stream.Type != "DynamoDB" || getAtt(sp.Stream) != "CommunicationsTable.StreamArn" {
		t.Errorf("stream event %+v", stream)
	}
	if sp.MaximumRetryAttempts != livews.RetryAttempts || sp.MaximumRecordAgeInSeconds != int(livews.MaxEventAge.Seconds()) ||
		!slices.Equal(sp.FunctionResponseTypes, []string{"ReportBatchItemFailures"}) || sp.StartingPosition != "LATEST" {
		t.Errorf("stream mapping %+v, want livews's limits, batch item failures, from the latest record", sp)
	}
	var topic struct {
		Type       string
		Properties struct{ Topic any }
	}
	decode(t, evs["Notifications"], &topic)
	if topic.Type != "SNS" || !reflect.DeepEqual(topic.Properties.Topic, map[string]any{"Ref": "NotificationTopic"}) {
		t.Errorf("topic event %+v", topic)
	}
	var eic struct {
		MaximumRetryAttempts     int
		MaximumEventAgeInSeconds int
	}
	decode(t, p["EventInvokeConfig"], &eic)
	if eic.MaximumRetryAttempts != livews.RetryAttempts || eic.MaximumEventAgeInSeconds != int(livews.MaxEventAge.Seconds()) {
		t.Errorf("asynchronous (SNS) retries %+v", eic)
	}

	// The management endpoint and the permission name the same stage.
	vars := variables(raw, "LiveFanoutFunction")
	endpoint := sub(vars[envWebSocketEndpoint])
	if endpoint != "https://${WebSocketApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Environment}" {
		t.Errorf("%s = %v", envWebSocketEndpoint, vars[envWebSocketEndpoint])
	}
	if !reflect.DeepEqual(vars[envConnectionsTable], map[string]any{"Ref": "ConnectionsTable"}) {
		t.Errorf("%s = %v", envConnectionsTable, vars[envConnectionsTable])
	}
	pols := fmt.Sprint(p["Policies"])
	for _, want := range []string{
		"execute-api:ManageConnections",
		"${WebSocketApi}/${Environment}/POST/@connections/*",
		"${ConnectionsTable.Arn}/index/" + dtddb.IndexConnOwner,
	} {
		if !strings.Contains(pols, want) {
			t.Errorf("fan-out policies lack %q: %s", want, pols)
		}
	}
	if !reflect.DeepEqual(variables(raw, "WebSocketFunction")[envConnectionsTable], map[string]any{"Ref": "ConnectionsTable"}) {
		t.Errorf("WebSocketFunction has no %s", envConnectionsTable)
	}
}

// TestTemplate_LiveTicket: the API function issues tickets (POST
// /live/ticket, put in the connections table) and tells the URL of the
// stage the fan-out posts to; the stack outputs it.
func TestTemplate_LiveTicket(t *testing.T) {
	raw := resources(mustRaw(t))
	vars := variables(raw, "ApiFunction")
	url := "wss://${WebSocketApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Environment}"
	if sub(vars[envWebSocketURL]) != url {
		t.Errorf("%s = %v, want !Sub %s", envWebSocketURL, vars[envWebSocketURL], url)
	}
	if !reflect.DeepEqual(vars[envConnectionsTable], map[string]any{"Ref": "ConnectionsTable"}) {
		t.Errorf("ApiFunction %s = %v", envConnectionsTable, vars[envConnectionsTable])
	}
	if pols := fmt.Sprint(props(raw["ApiFunction"])["Policies"]); !strings.Contains(pols, "LiveTickets") || !strings.Contains(pols, "ConnectionsTable") {
		t.Errorf("ApiFunction cannot put tickets: %s", pols)
	}
	out, _ := mustRaw(t)["Outputs"].(map[string]any)
	o, _ := out["WebSocketURL"].(map[string]any)
	if sub(o["Value"]) != url {
		t.Errorf("output WebSocketURL = %v", o)
	}
}

// TestTemplate_LiveBuilt: `make lambda` builds the zip the two live
// functions run (dist/lambda/websocket.zip).
func TestTemplate_LiveBuilt(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^FUNCTIONS\s*:=(.*)$`).FindSubmatch(mk)
	if m == nil || !slices.Contains(strings.Fields(string(m[1])), "websocket") {
		t.Errorf("the Makefile's FUNCTIONS (%q) does not build websocket", m)
	}
}
