package pattern_test

import (
	"testing"

	"github.com/doctales/doctales/pattern"
)

// matchCase is one pattern tested against one event.
type matchCase struct {
	name    string
	pattern string
	event   string
	want    bool
}

// runMatchCases compiles each pattern and checks Match and MatchValue on
// the event decoded both ways encoding/json can.
func runMatchCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := pattern.Compile(tc.pattern)
			if err != nil {
				t.Fatalf("Compile(%s): %v", tc.pattern, err)
			}
			got, err := p.Match([]byte(tc.event))
			if err != nil {
				t.Fatalf("Match: %v", err)
			}
			if got != tc.want {
				t.Errorf("Match(%s)\n  event %s\n  = %v, want %v", tc.pattern, tc.event, got, tc.want)
			}
			if got := p.MatchValue(mustUnmarshal(t, tc.event)); got != tc.want {
				t.Errorf("MatchValue(float64 numbers) = %v, want %v", got, tc.want)
			}
		})
	}
}

// Cases from "Control which events Lambda sends to your function"
// (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html):
// the table of comparison operators and the filtering examples.
func TestMatch_LambdaEventFiltering(t *testing.T) {
	runMatchCases(t, []matchCase{
		// Null: UserID is null.
		{"null/null", `{"UserID": [null]}`, `{"UserID": null}`, true},
		{"null/string", `{"UserID": [null]}`, `{"UserID": "u-1"}`, false},
		{"null/missing", `{"UserID": [null]}`, `{}`, false},
		// Empty: LastName is empty.
		{"empty/empty", `{"LastName": [""]}`, `{"LastName": ""}`, true},
		{"empty/set", `{"LastName": [""]}`, `{"LastName": "Doe"}`, false},
		// Equals: Name is "Alice".
		{"equals/same", `{"Name": ["Alice"]}`, `{"Name": "Alice"}`, true},
		{"equals/case differs", `{"Name": ["Alice"]}`, `{"Name": "alice"}`, false},
		// And: Location is "New York" and Day is "Monday".
		{"and/both", `{"Location": ["New York"], "Day": ["Monday"]}`, `{"Location": "New York", "Day": "Monday"}`, true},
		{"and/one", `{"Location": ["New York"], "Day": ["Monday"]}`, `{"Location": "New York", "Day": "Tuesday"}`, false},
		// Or: PaymentType is "Credit" or "Debit".
		{"or/debit", `{"PaymentType": ["Credit", "Debit"]}`, `{"PaymentType": "Debit"}`, true},
		{"or/cash", `{"PaymentType": ["Credit", "Debit"]}`, `{"PaymentType": "Cash"}`, false},
		// Not: Weather is anything but "Raining".
		{"not/sunny", `{"Weather": [{"anything-but": ["Raining"]}]}`, `{"Weather": "Sunny"}`, true},
		{"not/raining", `{"Weather": [{"anything-but": ["Raining"]}]}`, `{"Weather": "Raining"}`, false},
		{"not/missing", `{"Weather": [{"anything-but": ["Raining"]}]}`, `{}`, false},
		// Numeric (equals): Price is 100.
		{"numeric equals/100", `{"Price": [{"numeric": ["=", 100]}]}`, `{"Price": 100}`, true},
		{"numeric equals/100.0", `{"Price": [{"numeric": ["=", 100]}]}`, `{"Price": 100.0}`, true},
		{"numeric equals/string", `{"Price": [{"numeric": ["=", 100]}]}`, `{"Price": "100"}`, false},
		// Numeric (range): Price is more than 10, and less than or equal to 20.
		{"numeric range/10", `{"Price": [{"numeric": [">", 10, "<=", 20]}]}`, `{"Price": 10}`, false},
		{"numeric range/10.5", `{"Price": [{"numeric": [">", 10, "<=", 20]}]}`, `{"Price": 10.5}`, true},
		{"numeric range/20", `{"Price": [{"numeric": [">", 10, "<=", 20]}]}`, `{"Price": 20}`, true},
		{"numeric range/20.1", `{"Price": [{"numeric": [">", 10, "<=", 20]}]}`, `{"Price": 20.1}`, false},
		// Exists: ProductName exists.
		{"exists/present", `{"ProductName": [{"exists": true}]}`, `{"ProductName": "Widget"}`, true},
		{"exists/missing", `{"ProductName": [{"exists": true}]}`, `{"Price": 1}`, false},
		// Does not exist: ProductName does not exist.
		{"not exists/missing", `{"ProductName": [{"exists": false}]}`, `{"Price": 1}`, true},
		{"not exists/present", `{"ProductName": [{"exists": false}]}`, `{"ProductName": "Widget"}`, false},
		// Begins with: Region is in the US.
		{"begins with/us", `{"Region": [{"prefix": "us-"}]}`, `{"Region": "us-east-1"}`, true},
		{"begins with/eu", `{"Region": [{"prefix": "us-"}]}`, `{"Region": "eu-west-1"}`, false},

		// Filtering examples: a Kinesis partitionKey (metadata) and Location (data).
		{"kinesis/match",
			`{"partitionKey": ["1"], "data": {"Location": ["Los Angeles"]}}`,
			`{"partitionKey": "1", "sequenceNumber": "4959", "data": {"City": "Los Angeles", "Location": "Los Angeles"}}`, true},
		{"kinesis/other partition",
			`{"partitionKey": ["1"], "data": {"Location": ["Los Angeles"]}}`,
			`{"partitionKey": "2", "data": {"Location": "Los Angeles"}}`, false},
		// Temperature greater than 50 and at most 60. The guide's sample
		// record holds "46" as a string, which numeric never matches.
		{"temperature/55", `{"data": {"Temperature": [{"numeric": [">", 50, "<=", 60]}]}}`, `{"data": {"Temperature": 55}}`, true},
		{"temperature/46", `{"data": {"Temperature": [{"numeric": [">", 50, "<=", 60]}]}}`, `{"data": {"Temperature": 46}}`, false},
		{"temperature/string", `{"data": {"Temperature": [{"numeric": [">", 40]}]}}`, `{"data": {"Temperature": "46"}}`, false},
		// Multi-level filtering: the DynamoDB key Id, N is "101".
		{"multi-level/101",
			`{"dynamodb": {"Keys": {"Id": {"N": ["101"]}}}}`,
			`{"dynamodb": {"Keys": {"Id": {"N": "101"}}, "NewImage": {"Message": {"S": "New item!"}, "Id": {"N": "101"}}, "SequenceNumber": "111", "SizeBytes": 26, "StreamViewType": "NEW_AND_OLD_IMAGES"}}`, true},
		{"multi-level/102",
			`{"dynamodb": {"Keys": {"Id": {"N": ["101"]}}}}`,
			`{"dynamodb": {"Keys": {"Id": {"N": "102"}}}}`, false},
		// The console example { "a" : [ 1, 2 ] }.
		{"console/2", `{ "a" : [ 1, 2 ] }`, `{"a": 2}`, true},
		{"console/3", `{ "a" : [ 1, 2 ] }`, `{"a": 3}`, false},
	})
}

// Cases from "Using event filtering with a DynamoDB event source"
// (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html),
// on its sample record with key CustomerName and attributes AccountManager
// and PaymentTerms.
func TestMatch_LambdaDynamoDBFiltering(t *testing.T) {
	const record = `{
		"eventID": "1", "eventVersion": "1.0",
		"dynamodb": {
			"ApproximateCreationDateTime": "1678831218.0",
			"Keys": {"CustomerName": {"S": "AnyCompany Industries"}},
			"NewImage": {
				"AccountManager": {"S": "Pat Candella"},
				"PaymentTerms": {"S": "60 days"},
				"CustomerName": {"S": "AnyCompany Industries"}
			},
			"SequenceNumber": "111", "SizeBytes": 26, "StreamViewType": "NEW_IMAGE"
		}
	}`
	runMatchCases(t, []matchCase{
		{"table key", `{"dynamodb": {"Keys": {"CustomerName": {"S": ["AnyCompany Industries"]}}}}`, record, true},
		{"table key/other", `{"dynamodb": {"Keys": {"CustomerName": {"S": ["Example Corp"]}}}}`, record, false},
		{"attribute", `{"dynamodb": {"NewImage": {"AccountManager": {"S": ["Pat Candella"]}}}}`, record, true},
		{"attributes AND", `{"dynamodb": {"NewImage": {"AccountManager": {"S": ["Pat Candella"]}, "PaymentTerms": {"S": ["30 days"]}}}}`, record, false},
		{"boolean OR", `{"dynamodb": {"NewImage": {"PaymentTerms": {"S": ["30 days", "60 days"]}}}}`, record, true},
		// Exists works on leaf nodes only: in DynamoDB JSON the leaf is the
		// type key ("S"), not the attribute, which is an object.
		{"exists on type key", `{"dynamodb": {"NewImage": {"AccountManager": {"S": [{"exists": true}]}}}}`, record, true},
		{"exists on attribute object", `{"dynamodb": {"NewImage": {"AccountManager": [{"exists": true}]}}}`, record, false},
		{"not exists on type key", `{"dynamodb": {"NewImage": {"Region": {"S": [{"exists": false}]}}}}`, record, true},
		{"not exists on present key", `{"dynamodb": {"NewImage": {"AccountManager": {"S": [{"exists": false}]}}}}`, record, false},
		// Numbers are strings in DynamoDB JSON: match them as strings.
		{"N is a string", `{"dynamodb": {"SizeBytes": [26]}}`, record, true},
		{"ApproximateCreationDateTime is a string", `{"dynamodb": {"ApproximateCreationDateTime": [{"numeric": [">", 0]}]}}`, record, false},
	})
}

// Cases from "Comparison operators for use in event patterns in Amazon
// EventBridge" and "Content filtering in Amazon EventBridge event patterns"
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html,
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html).
func TestMatch_EventBridgeOperators(t *testing.T) {
	// The sample EC2 event of the content filtering page and of Event Ruler's
	// README.
	const ec2 = `{
		"version": "0", "id": "ddddd4-aaaa-7777-4444-345dd43cc333",
		"detail-type": "EC2 Instance State-change Notification",
		"source": "aws.ec2", "account": "012345679012",
		"time": "2017-10-02T16:24:49Z", "region": "us-east-1",
		"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
		"detail": {
			"c-count": 5, "d-count": 3, "x-limit": 301.8,
			"source-ip": "10.0.0.33", "instance-id": "i-000000aaaaaa00000",
			"state": "running"
		}
	}`
	runMatchCases(t, []matchCase{
		// Prefix matching.
		{"prefix", `{"time": [{"prefix": "2017-10-02"}]}`, `{"time": "2017-10-02T18:43:48Z"}`, true},
		{"prefix/other day", `{"time": [{"prefix": "2017-10-02"}]}`, `{"time": "2017-10-03T18:43:48Z"}`, false},
		{"prefix/number", `{"n": [{"prefix": "1"}]}`, `{"n": 12}`, false},
		// Prefix matching while ignoring case.
		{"prefix ignore case/EVENTB", `{"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}}`, `{"detail": {"service": "EVENTBRIDGE"}}`, true},
		{"prefix ignore case/eventb", `{"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}}`, `{"detail": {"service": "eventbridge"}}`, true},
		{"prefix ignore case/events", `{"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}}`, `{"detail": {"service": "Events"}}`, false},
		// Suffix matching.
		{"suffix", `{"FileName": [{"suffix": ".png"}]}`, `{"FileName": "image.png"}`, true},
		{"suffix/case", `{"FileName": [{"suffix": ".png"}]}`, `{"FileName": "image.PNG"}`, false},
		// Suffix matching while ignoring case.
		{"suffix ignore case", `{"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}`, `{"detail": {"FileName": "IMAGE.PNG"}}`, true},
		{"suffix ignore case/jpg", `{"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}`, `{"detail": {"FileName": "image.jpg"}}`, false},
		// Equals-ignore-case matching.
		{"equals ignore case", `{"Name": [{"equals-ignore-case": "alice"}]}`, `{"Name": "ALICE"}`, true},
		{"equals ignore case/other", `{"Name": [{"equals-ignore-case": "alice"}]}`, `{"Name": "Alicia"}`, false},
		// Wildcard matching.
		{"wildcard", `{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}`, `{"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/default"}`, true},
		{"wildcard/region", `{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}`, `{"EventBusArn": "arn:aws:events:us-west-2:123456789012:event-bus/default"}`, false},
		{"wildcard/dir", `{"FilePath": [{"wildcard": "dir/*.png"}]}`, `{"FilePath": "dir/sub/image.png"}`, true},
		{"wildcard/no star", `{"FilePath": [{"wildcard": "dir/image.png"}]}`, `{"FilePath": "dir/image.png"}`, true},
		{"wildcard/escaped star", `{"FilePath": [{"wildcard": "a\\*b"}]}`, `{"FilePath": "a*b"}`, true},
		{"wildcard/escaped star literal", `{"FilePath": [{"wildcard": "a\\*b"}]}`, `{"FilePath": "axxb"}`, false},
		// Anything-but matching.
		{"anything-but string", `{"detail": {"state": [{"anything-but": "initializing"}]}}`, ec2, true},
		{"anything-but string/excluded", `{"detail": {"state": [{"anything-but": "running"}]}}`, ec2, false},
		{"anything-but number", `{"detail": {"x-limit": [{"anything-but": 123}]}}`, ec2, true},
		{"anything-but number/excluded", `{"detail": {"x-limit": [{"anything-but": 301.8}]}}`, ec2, false},
		{"anything-but strings", `{"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}`, ec2, true},
		{"anything-but strings/excluded", `{"detail": {"state": [{"anything-but": ["stopped", "running"]}]}}`, ec2, false},
		{"anything-but numbers", `{"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}`, ec2, true},
		{"anything-but numbers/excluded", `{"detail": {"c-count": [{"anything-but": [5, 6]}]}}`, ec2, false},
		{"anything-but prefix", `{"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}`, ec2, true},
		{"anything-but prefix/excluded", `{"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}`, `{"detail": {"state": "initializing"}}`, false},
		{"anything-but suffix", `{"FileName": [{"anything-but": {"suffix": ".png"}}]}`, `{"FileName": "notes.txt"}`, true},
		{"anything-but suffix/excluded", `{"FileName": [{"anything-but": {"suffix": ".png"}}]}`, `{"FileName": "image.png"}`, false},
		{"anything-but ignore case", `{"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]}`, `{"state": "running"}`, true},
		{"anything-but ignore case/excluded", `{"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]}`, `{"state": "INITIALIZING"}`, false},
		{"anything-but ignore case list", `{"state": [{"anything-but": {"equals-ignore-case": ["pending", "stopped"]}}]}`, `{"state": "Stopped"}`, false},
		{"anything-but wildcard", `{"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}`, `{"FilePath": "/usr/bin/go"}`, true},
		{"anything-but wildcard/excluded", `{"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}`, `{"FilePath": "/usr/lib/go"}`, false},
		{"anything-but/other type", `{"state": [{"anything-but": "initializing"}]}`, `{"state": 5}`, true},
		// Numeric matching, on the sample event.
		{"numeric", `{"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}], "d-count": [{"numeric": ["<", 10]}], "x-limit": [{"numeric": ["=", 3.018e2]}]}}`, ec2, true},
		{"numeric/out of range", `{"detail": {"c-count": [{"numeric": [">", 5]}]}}`, ec2, false},
		{"numeric/>=", `{"detail": {"c-count": [{"numeric": [">=", 5]}]}}`, ec2, true},
		{"numeric/<", `{"detail": {"d-count": [{"numeric": ["<", 3]}]}}`, ec2, false},
		// IP address matching.
		{"cidr", `{"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}`, `{"detail": {"sourceIPAddress": "10.0.0.255"}}`, true},
		{"cidr/outside", `{"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}`, `{"detail": {"sourceIPAddress": "10.0.1.1"}}`, false},
		{"cidr/ipv6", `{"detail": {"sourceIPAddress": [{"cidr": "2001:db8::/32"}]}}`, `{"detail": {"sourceIPAddress": "2001:db8::1"}}`, true},
		{"cidr/not an address", `{"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}`, `{"detail": {"sourceIPAddress": "localhost"}}`, false},
		// Exists matching, including the note that exists works on leaf nodes only.
		{"exists true", `{"detail": {"state": [{"exists": true}]}}`, ec2, true},
		{"exists true/missing", `{"detail": {"state": [{"exists": true}]}}`, `{"detail": {"c-count": {"c1": 100}}}`, false},
		{"exists false/missing", `{"detail": {"c-count": [{"exists": false}]}}`, `{"detail-type": "EC2 Instance State-change Notification", "detail": {"state": "initializing"}}`, true},
		{"exists false/not a leaf", `{"detail": {"c-count": [{"exists": false}]}}`, `{"detail": {"state": "initializing", "c-count": {"c1": 100}}}`, true},
		{"exists false/present", `{"detail": {"c-count": [{"exists": false}]}}`, ec2, false},
		// Complex example with multiple matching.
		{"complex", `{
			"time": [{"prefix": "2017-10-02"}],
			"detail": {
				"state": [{"anything-but": "initializing"}],
				"c-count": [{"numeric": [">", 0, "<=", 5]}],
				"d-count": [{"numeric": ["<", 10]}],
				"x-limit": [{"anything-but": [100, 200, 300]}],
				"source-ip": [{"cidr": "10.0.0.0/8"}]
			}
		}`, ec2, true},
		// A key given twice: the last one counts.
		{"repeated key/last counts", `{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}`, `{"detail": {"location": "eu-west"}}`, true},
		{"repeated key/excluded", `{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}`, `{"detail": {"location": "us-east"}}`, false},
		// Or (multiple fields), with "$or".
		{"$or/first", `{"$or": [{"source": ["aws.cloudwatch"]}, {"detail-type": ["CloudWatch Alarm State Change"]}]}`, `{"source": "aws.cloudwatch"}`, true},
		{"$or/second", `{"$or": [{"source": ["aws.cloudwatch"]}, {"detail-type": ["CloudWatch Alarm State Change"]}]}`, `{"source": "aws.ec2", "detail-type": "CloudWatch Alarm State Change"}`, true},
		{"$or/neither", `{"$or": [{"source": ["aws.cloudwatch"]}, {"detail-type": ["CloudWatch Alarm State Change"]}]}`, ec2, false},
	})
}

// Cases from Event Ruler's README (https://github.com/aws/event-ruler,
// "The $or Primitive"), the engine behind EventBridge and Lambda filtering.
func TestMatch_EventRulerOr(t *testing.T) {
	const or = `{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization", "ReadLatency"]}, {"namespace": ["AWS/EC2", "AWS/ES"]}]}`
	const nested = `{"source": ["aws.cloudwatch"], "$or": [
		{"metricName": ["CPUUtilization", "ReadLatency"]},
		{"metricType": ["MetricType"], "namespace": ["AWS/EC2", "AWS/ES"], "$or": [{"metricId": [1234]}, {"spaceId": [1000]}]},
		{"scope": ["Service"]}
	]}`
	const parallel = `{
		"$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}],
		"detail": {"$or": [{"source": ["aws.cloudwatch"]}, {"detail-type": ["CloudWatch Alarm State Change"]}]}
	}`
	runMatchCases(t, []matchCase{
		{"normal/metricName", or, `{"source": "aws.cloudwatch", "metricName": "ReadLatency"}`, true},
		{"normal/namespace", or, `{"source": "aws.cloudwatch", "namespace": "AWS/ES"}`, true},
		{"normal/wrong source", or, `{"source": "aws.ec2", "namespace": "AWS/ES"}`, false},
		{"normal/neither", or, `{"source": "aws.cloudwatch", "namespace": "AWS/S3"}`, false},
		{"nested/inner or", nested, `{"source": "aws.cloudwatch", "metricType": "MetricType", "namespace": "AWS/EC2", "spaceId": 1000}`, true},
		{"nested/inner or fails", nested, `{"source": "aws.cloudwatch", "metricType": "MetricType", "namespace": "AWS/EC2", "spaceId": 1001}`, false},
		{"nested/scope", nested, `{"source": "aws.cloudwatch", "scope": "Service"}`, true},
		{"parallel/both", parallel, `{"namespace": "AWS/EC2", "detail": {"detail-type": "CloudWatch Alarm State Change"}}`, true},
		{"parallel/one", parallel, `{"namespace": "AWS/EC2", "detail": {"detail-type": "Other"}}`, false},
	})
}

// Cases from "Arrays in Amazon EventBridge event patterns"
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html)
// and from Event Ruler's README ("JSON Array Matching"), plus array edge
// cases of exists and anything-but.
func TestMatch_Arrays(t *testing.T) {
	const employees = `{"employees": [
		{"firstName": "John", "lastName": "Doe"},
		{"firstName": "Anna", "lastName": "Smith"},
		{"firstName": "Peter", "lastName": "Jones"}
	]}`
	runMatchCases(t, []matchCase{
		{"intersection", `{"resources": [
			"arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
			"arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
			"arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"
		]}`, `{"resources": [
			"arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate",
			"arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"
		]}`, true},
		{"intersection/empty", `{"resources": ["a", "b"]}`, `{"resources": ["c", "d"]}`, false},
		{"objects in array", `{"employees": {"firstName": ["Anna"]}}`, employees, true},
		{"array consistency", `{"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}}`, employees, false},
		{"array consistency/same element", `{"employees": {"firstName": ["Anna"], "lastName": ["Smith"]}}`, employees, true},
		{"multi-level arrays", `{"employees": {"firstName": ["Peter"]}}`, `{"employees": [[{"firstName": "John"}, {"firstName": "Anna"}], [{"firstName": "Peter"}]]}`, true},
		{"nested leaf arrays", `{"a": [3]}`, `{"a": [[1], [2, 3]]}`, true},
		{"numbers in array", `{"a": [{"numeric": [">", 2]}]}`, `{"a": [1, 2, 3]}`, true},
		{"prefix in array", `{"tags": [{"prefix": "prio:"}]}`, `{"tags": ["team:core", "prio:high"]}`, true},
		{"anything-but in array/one other", `{"state": [{"anything-but": "stopped"}]}`, `{"state": ["stopped", "running"]}`, true},
		{"anything-but in array/all excluded", `{"state": [{"anything-but": "stopped"}]}`, `{"state": ["stopped"]}`, false},
		{"empty array/exists false", `{"a": [{"exists": false}]}`, `{"a": []}`, true},
		{"empty array/exists true", `{"a": [{"exists": true}]}`, `{"a": []}`, false},
		{"empty array/value", `{"a": [""]}`, `{"a": []}`, false},
		{"array of objects/exists true", `{"a": [{"exists": true}]}`, `{"a": [{"b": 1}]}`, false},
		// exists:false alone chooses no element: the field must be
		// absent from every element (see TestMatch_ExistsFalseInElement).
		{"exists false across elements", `{"a": {"b": [{"exists": false}]}}`, `{"a": [{"b": 1}, {"c": 2}]}`, false},
		{"exists false in no element", `{"a": {"b": [{"exists": false}]}}`, `{"a": [{"c": 1}, {"c": 2}]}`, true},
		{"exists false under empty array", `{"a": {"b": [{"exists": false}]}}`, `{"a": []}`, true},
		{"exists false under leaf", `{"a": {"b": [{"exists": false}]}}`, `{"a": "x"}`, true},
		{"top-level array event", `{"a": ["x"]}`, `[{"a": "y"}, {"a": "x"}]`, true},
	})
}

// Cases from "Matching null values and empty strings in Amazon EventBridge
// event patterns"
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html).
func TestMatch_NullAndEmpty(t *testing.T) {
	const event = `{
		"version": "0", "id": "3e3c153a-8339-4e30-8c35-687ebef853fe",
		"detail-type": "EC2 Instance Launch Successful", "source": "aws.autoscaling",
		"account": "123456789012", "time": "2015-11-11T21:31:47Z", "region": "us-east-1",
		"resources": [],
		"detail": {"eventVersion": "", "responseElements": null}
	}`
	runMatchCases(t, []matchCase{
		{"empty string", `{"detail": {"eventVersion": [""]}}`, event, true},
		{"null", `{"detail": {"responseElements": [null]}}`, event, true},
		{"empty string is not null", `{"detail": {"responseElements": [""]}}`, event, false},
		{"null is not empty string", `{"detail": {"eventVersion": [null]}}`, event, false},
		{"null exists", `{"detail": {"responseElements": [{"exists": true}]}}`, event, true},
		{"null under object pattern", `{"detail": {"responseElements": {"x": ["y"]}}}`, event, false},
		{"empty resources", `{"resources": [{"exists": false}]}`, event, true},
	})
}

// TestMatch_Numbers covers numbers in strings against numbers: a JSON
// string never equals a JSON number, and numbers compare by value.
func TestMatch_Numbers(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"number/number", `{"n": [1650]}`, `{"n": 1650}`, true},
		{"number/decimal", `{"n": [1650]}`, `{"n": 1650.0}`, true},
		{"number/exponent", `{"n": [1650]}`, `{"n": 1.65e3}`, true},
		{"number/string", `{"n": [1650]}`, `{"n": "1650"}`, false},
		{"string/number", `{"n": ["1650"]}`, `{"n": 1650}`, false},
		{"string/string", `{"n": ["1650"]}`, `{"n": "1650"}`, true},
		{"string/other spelling", `{"n": ["1650"]}`, `{"n": "1650.0"}`, false},
		{"negative zero", `{"n": [0]}`, `{"n": -0}`, true},
		{"boolean/string", `{"b": [true]}`, `{"b": "true"}`, false},
		{"boolean", `{"b": [false]}`, `{"b": false}`, true},
		{"null/string", `{"b": [null]}`, `{"b": "null"}`, false},
		{"numeric/negative", `{"n": [{"numeric": ["<", 0]}]}`, `{"n": -1e-9}`, true},
		{"numeric/large", `{"n": [{"numeric": [">", 5e9]}]}`, `{"n": 6e9}`, true},
		{"numeric/boolean", `{"n": [{"numeric": [">=", 0]}]}`, `{"n": true}`, false},
		{"dynamodb N string", `{"dynamodb": {"NewImage": {"n": {"N": ["101"]}}}}`, `{"dynamodb": {"NewImage": {"n": {"N": "101"}}}}`, true},
		{"dynamodb N as number pattern", `{"dynamodb": {"NewImage": {"n": {"N": [101]}}}}`, `{"dynamodb": {"NewImage": {"n": {"N": "101"}}}}`, false},
		{"dynamodb N numeric", `{"dynamodb": {"NewImage": {"n": {"N": [{"numeric": [">", 100]}]}}}}`, `{"dynamodb": {"NewImage": {"n": {"N": "101"}}}}`, false},
	})
}

// TestMatch_LargeIntegers checks that integers beyond float64 precision
// compare by their digits when both sides keep their text (Match decodes
// numbers as json.Number).
func TestMatch_LargeIntegers(t *testing.T) {
	p := pattern.MustCompile(`{"id": [12345678901234567890]}`)
	for _, tc := range []struct {
		event string
		want  bool
	}{
		{`{"id": 12345678901234567890}`, true},
		{`{"id": 12345678901234567891}`, false},
		{`{"id": 1.2345678901234567890e19}`, true}, // not an integer literal: compared as float64
	} {
		if got, err := p.Match([]byte(tc.event)); err != nil || got != tc.want {
			t.Errorf("Match(%s) = %v, %v; want %v", tc.event, got, err, tc.want)
		}
	}
}

// TestMatch_Pipeline runs the pipeline's own patterns (testdata/*.json)
// against its records (testdata/events): the DynamoDB urgency filter on
// INSERT, MODIFY and REMOVE records with high, medium and missing urgency,
// S3 object keys and SNS message attributes.
func TestMatch_Pipeline(t *testing.T) {
	for _, tc := range []struct {
		pattern, event string
		want           bool
	}{
		{"dynamodb-urgency-high.json", "dynamodb-insert-high.json", true},
		{"dynamodb-urgency-high.json", "dynamodb-modify-high.json", true},
		{"dynamodb-urgency-high.json", "dynamodb-modify-medium.json", false}, // its old image was low, its new one medium
		{"dynamodb-urgency-high.json", "dynamodb-insert-no-urgency.json", false},
		{"dynamodb-urgency-high.json", "dynamodb-remove.json", false}, // the old image was high, but there is no new image
		{"dynamodb-urgency-high.json", "s3-put.json", false},
		{"dynamodb-insert-modify-high.json", "dynamodb-insert-high.json", true},
		{"dynamodb-insert-modify-high.json", "dynamodb-modify-high.json", true},
		{"dynamodb-insert-modify-high.json", "dynamodb-modify-medium.json", false},
		{"dynamodb-insert-modify-high.json", "dynamodb-remove.json", false},
		{"anything-but.json", "dynamodb-insert-high.json", true},
		{"anything-but.json", "dynamodb-remove.json", false},
		{"exists.json", "dynamodb-insert-no-urgency.json", true},
		{"exists.json", "dynamodb-insert-high.json", false},
		{"numeric-range.json", "dynamodb-insert-high.json", true},
		{"numeric-range.json", "s3-put.json", false},
		{"or.json", "dynamodb-insert-high.json", true},
		{"or.json", "dynamodb-modify-medium.json", false},
		{"s3-email-json.json", "s3-put.json", true},
		{"s3-email-json.json", "dynamodb-insert-high.json", false},
		{"cidr.json", "s3-put.json", true},
		{"sns-attributes.json", "sns.json", true},
		{"sns-attributes.json", "s3-put.json", false},
		{"null-empty.json", "sns.json", false},
	} {
		t.Run(tc.pattern+"/"+tc.event, func(t *testing.T) {
			p := mustCompileFile(t, tc.pattern)
			got, err := p.Match(readEvent(t, tc.event))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestMatch_S3Keys covers prefix and suffix filters on S3 object keys as
// the ingestion step writes them ("<type>/<yyyy>/<mm>/<dd>/<id>.json").
func TestMatch_S3Keys(t *testing.T) {
	const pat = `{"s3": {"object": {"key": [{"prefix": "email/"}]}}, "eventName": [{"prefix": "ObjectCreated:"}]}`
	const suffix = `{"s3": {"object": {"key": [{"suffix": ".json"}]}}}`
	record := func(event, key string) string {
		return `{"eventSource": "aws:s3", "eventName": "` + event + `", "s3": {"bucket": {"name": "doctales-raw"}, "object": {"key": "` + key + `", "size": 1873}}}`
	}
	runMatchCases(t, []matchCase{
		{"prefix/email", pat, record("ObjectCreated:Put", "email/2025/06/10/email-123.json"), true},
		{"prefix/document", pat, record("ObjectCreated:Put", "document/2025/06/10/doc-9.json"), false},
		{"prefix/removed", pat, record("ObjectRemoved:Delete", "email/2025/06/10/email-123.json"), false},
		{"prefix/not anchored", pat, record("ObjectCreated:Put", "archive/email/2025/06/10/email-123.json"), false},
		{"suffix/json", suffix, record("ObjectCreated:Put", "email/2025/06/10/email-123.json"), true},
		{"suffix/tmp", suffix, record("ObjectCreated:Put", "email/2025/06/10/email-123.json.tmp"), false},
	})
}
