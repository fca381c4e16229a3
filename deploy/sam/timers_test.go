package sam_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awslabs/goformation/v7/cloudformation/dynamodb"

	dtddb "github.com/doctales/doctales/dynamodb"
)

// TestTemplate_Timers (issue 13 on AWS): the timers table is the layout
// dynamodb.Timers reads and writes; an EventBridge Scheduler schedule
// invokes the timers function every minute through a role that may invoke
// that function only; the notification function plans timers in the same
// table, and both read the reminder and escalation parameters.
func TestTemplate_Timers(t *testing.T) {
	tpl := mustParse(t)
	tbl, err := tpl.GetDynamoDBTableWithName("TimersTable")
	if err != nil {
		t.Fatal(err)
	}
	def := dtddb.TimersDefinition("x")
	keys := func(ks []dynamodb.Table_KeySchema) string {
		var s []string
		for _, k := range ks {
			s = append(s, k.AttributeName+":"+k.KeyType)
		}
		return strings.Join(s, ",")
	}
	if got, want := keys(tbl.KeySchema), keysOf(def.KeySchema); got != want {
		t.Errorf("timers keys %s, want %s", got, want)
	}
	gsis := map[string]string{}
	for _, g := range tbl.GlobalSecondaryIndexes {
		gsis[g.IndexName] = keys(g.KeySchema)
		if g.Projection == nil || aws.ToString(g.Projection.ProjectionType) != "ALL" {
			t.Errorf("%s: projection %+v", g.IndexName, g.Projection)
		}
	}
	want := map[string]string{}
	for _, g := range def.GlobalSecondaryIndexes {
		want[aws.ToString(g.IndexName)] = keysOf(g.KeySchema)
	}
	if !reflect.DeepEqual(gsis, want) {
		t.Errorf("timers indexes %v, want %v", gsis, want)
	}
	var attrs, wantAttrs []string
	for _, a := range tbl.AttributeDefinitions {
		attrs = append(attrs, a.AttributeName+":"+a.AttributeType)
	}
	for _, a := range def.AttributeDefinitions {
		wantAttrs = append(wantAttrs, aws.ToString(a.AttributeName)+":"+string(a.AttributeType))
	}
	sort.Strings(attrs)
	sort.Strings(wantAttrs)
	if !slices.Equal(attrs, wantAttrs) {
		t.Errorf("timers attributes %v, want %v", attrs, wantAttrs)
	}

	res := resources(mustRaw(t))
	sched := res["TimersSchedule"]
	if sched["Type"] != "AWS::Scheduler::Schedule" {
		t.Fatalf("TimersSchedule is %v, want AWS::Scheduler::Schedule", sched["Type"])
	}
	p := props(sched)
	if p["ScheduleExpression"] != "rate(1 minute)" || p["State"] != "ENABLED" {
		t.Errorf("schedule %v %v, want rate(1 minute), enabled", p["ScheduleExpression"], p["State"])
	}
	target, _ := p["Target"].(map[string]any)
	if getAtt(target["Arn"]) != "TimersFunction.Arn" || getAtt(target["RoleArn"]) != "TimersScheduleRole.Arn" {
		t.Errorf("schedule target %v, want TimersFunction through TimersScheduleRole", target)
	}
	var role struct {
		AssumeRolePolicyDocument struct {
			Statement []struct{ Principal struct{ Service string } }
		}
		Policies []struct {
			PolicyDocument struct {
				Statement []struct {
					Action   string
					Resource any
				}
			}
		}
	}
	b, _ := json.Marshal(props(res["TimersScheduleRole"]))
	if err := json.Unmarshal(b, &role); err != nil {
		t.Fatal(err)
	}
	if len(role.AssumeRolePolicyDocument.Statement) != 1 || role.AssumeRolePolicyDocument.Statement[0].Principal.Service != "scheduler.amazonaws.com" {
		t.Errorf("schedule role trusts %+v, want scheduler.amazonaws.com", role.AssumeRolePolicyDocument)
	}
	if len(role.Policies) != 1 || len(role.Policies[0].PolicyDocument.Statement) != 1 ||
		role.Policies[0].PolicyDocument.Statement[0].Action != "lambda:InvokeFunction" ||
		getAtt(role.Policies[0].PolicyDocument.Statement[0].Resource) != "TimersFunction.Arn" {
		t.Errorf("schedule role may %+v, want lambda:InvokeFunction on TimersFunction only", role.Policies)
	}

	for _, fn := range []string{"NotificationFunction", "TimersFunction"} {
		vars := props(res[fn])["Environment"].(map[string]any)["Variables"].(map[string]any)
		for v, ref := range map[string]string{"TIMERS_TABLE": "TimersTable", "COMMUNICATIONS_TABLE": "CommunicationsTable",
			"DOCTALES_REMINDERS": "Reminders", "DOCTALES_ESCALATION_AFTER": "EscalationAfter", "DOCTALES_ESCALATION_CHANNELS": "EscalationChannels"} {
			if !reflect.DeepEqual(vars[v], map[string]any{"Ref": ref}) {
				t.Errorf("%s: %s = %v, want !Ref %s", fn, v, vars[v], ref)
			}
		}
	}
}

// TestTemplate_ChannelSubscriptions: each subscription of the notification
// topic is a channel of people's rules, taking by a filter policy on the
// "targets" attribute the messages for its channel or "all" (issue 13).
func TestTemplate_ChannelSubscriptions(t *testing.T) {
	res := resources(mustRaw(t))
	for name, channel := range map[string]string{"NotificationEmailSubscription": "email", "NotificationSMSSubscription": "sns"} {
		p := props(res[name])
		if !reflect.DeepEqual(p["TopicArn"], map[string]any{"Ref": "NotificationTopic"}) {
			t.Errorf("%s: topic %v", name, p["TopicArn"])
		}
		want := map[string]any{"targets": []any{channel, "all"}}
		if !reflect.DeepEqual(p["FilterPolicy"], want) {
			t.Errorf("%s: filter policy %v, want %v", name, p["FilterPolicy"], want)
		}
	}
}
