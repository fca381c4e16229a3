// Package analytics is the consumer of the table's change stream that keeps
// the aggregate tables behind the dashboard's Visualizer and Connector
// (issue 12, item 5): volume and urgency per day, per sender, organisation,
// project and week, response times within threads, open requests per
// person, and deadlines.
//
// It plays the role the architecture document gives Kinesis: the browser
// never recomputes these from the items, and the API reads them from the
// tables a doctales.AnalyticsStore keeps (sqlite.DB).
//
// Idempotence. Each change record is reduced to a doctales.AnalyticsFact,
// the contribution of one communication as it is after the change (none
// after a REMOVE). The store replaces the communication's previous fact
// with it and recomputes the buckets either touches, so a record applied
// twice, or a batch redelivered after a partial failure, leaves every count
// exactly as one application would: the state is a function of the latest
// fact of each communication, not of how many records were seen.
package analytics

import (
	"context"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
)

// SubscriptionName is the name of the change-stream subscription that feeds
// the aggregate tables.
const SubscriptionName = "analytics/aggregates"

// FactOf returns the fact of item: its buckets and counts, as of now.
func FactOf(item *doctales.Item) *doctales.AnalyticsFact {
	t := item.Timestamp.UTC()
	y, w := t.ISOWeek()
	f := &doctales.AnalyticsFact{
		ID:       item.ID,
		Owner:    doctales.OwnerOf(item.Owner),
		Time:     t,
		Day:      t.Format("2006-01-02"),
		Week:     isoWeek(y, w),
		Urgency:  item.Metadata.Urgency,
		Person:   item.SenderID,
		Name:     item.Sender,
		Project:  item.Project,
		ThreadID: item.ThreadID,
		Subject:  item.Subject,
	}
	if f.Person == "" {
		f.Person = item.Sender
	}
	if f.Name == "" {
		f.Name = f.Person
	}
	var category string
	if d := item.Dimensions; d != nil {
		if f.Urgency == "" {
			f.Urgency = d.Urgency
		}
		category = d.Category
		f.Request = d.RequiresAction
		if d.Deadline != nil {
			f.Deadline = d.Deadline.UTC()
		}
	}
	f.Open = f.Request && item.State != doctales.StateDone
	f.Org = Organization(item.SenderID, category)
	return f
}

// isoWeek formats an ISO year and week as YYYY-Www.
func isoWeek(y, w int) string {
	b := []byte("0000-W00")
	for i, v := 3, y; i >= 0; i, v = i-1, v/10 {
		b[i] = byte('0' + v%10)
	}
	b[6], b[7] = byte('0'+w/10), byte('0'+w%10)
	return string(b)
}

// freeMail are mail providers' domains (and their first labels, for the
// country variants such as yahoo.co.uk): an address there says nothing of
// the sender's organisation.
var freeMail = map[string]bool{}

func init() {
	for _, d := range strings.Fields(`gmail googlemail yahoo ymail rocketmail hotmail outlook live msn aol icloud me mac
		gmx web proton protonmail pm zoho yandex mail qq 163 126 sina comcast verizon att sbc earthlink btinternet
		orange free wanadoo t-online libero juno netscape excite lycos hushmail fastmail tutanota rediffmail
		example localhost`) {
		freeMail[d] = true
	}
}

// listLocal are local parts (or their endings) of mailing-list and robot
// addresses: a post from the list's address is the list's, not an
// organisation's.
var listLocal = []string{"-list", "-talk", "-users", "-devel", "-discuss", "-announce", "-request", "-bounces",
	"-admin", "-owner", "-help", "listserv", "majordomo", "mailman", "noreply", "no-reply", "donotreply", "mailer-daemon"}

// Organization returns the organisation of a sender id: the lower-case
// domain of an e-mail address, or "" when the id is not an address, when
// the domain is a free-mail provider (gmail.com, yahoo.co.uk…), or when the
// address is a mailing list's (a list domain such as lists.example.org, a
// list local part such as foo-talk@ or owner-foo@, or any address of a
// communication the engine categorised as a list post whose local part
// names a list), or when the engine categorised the communication as
// automated or bulk (a robot's or a mailer's address). Mailing lists, free
// mail and robots are not organisations.
func Organization(senderID, category string) string {
	at := strings.LastIndexByte(senderID, '@')
	if at <= 0 || at == len(senderID)-1 {
		return ""
	}
	local, domain := strings.ToLower(senderID[:at]), strings.ToLower(strings.TrimSuffix(senderID[at+1:], "."))
	if !strings.Contains(domain, ".") {
		return ""
	}
	first := domain[:strings.IndexByte(domain, '.')]
	if freeMail[first] {
		return ""
	}
	for _, p := range []string{"lists.", "list.", "listserv.", "groups.", "googlegroups.com", "yahoogroups.com"} {
		if strings.HasPrefix(domain, p) || domain == p || strings.HasSuffix(domain, "."+p) {
			return ""
		}
	}
	if strings.HasPrefix(local, "owner-") {
		return ""
	}
	for _, s := range listLocal {
		if strings.HasSuffix(local, s) || local == strings.TrimPrefix(s, "-") {
			return ""
		}
	}
	if category == doctales.CategoryAutomated || category == doctales.CategoryBulk {
		// A system's or a newsletter's sender (an RSS robot, a shop's
		// mailer) is not someone the reader corresponds with.
		return ""
	}
	if category == doctales.CategoryList && strings.ContainsAny(local, "-_") && !strings.Contains(local, ".") {
		// A list post from an address such as "spamassassin-commits": a
		// list's, not a person's.
		return ""
	}
	return domain
}

// Consumer turns change-stream records into facts and hands them to Store.
// It keeps no state, so any number may run (one per subscription).
type Consumer struct {
	Store doctales.AnalyticsStore
}

// Handle applies the records of ev, a batch of the table's change stream
// (NEW_AND_OLD_IMAGES): each communication's record becomes its new fact
// (or its removal), rule records and records that are not items are
// skipped. The whole batch is one ApplyFacts call; an error fails the
// batch, which the runtime retries whole, which is safe because applying
// is idempotent.
func (c *Consumer) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	changes := make([]doctales.AnalyticsChange, 0, len(ev.Records))
	for _, r := range ev.Records {
		if ch, ok := ChangeOf(r); ok {
			changes = append(changes, ch)
		}
	}
	if len(changes) == 0 {
		return events.DynamoDBEventResponse{}, nil
	}
	return events.DynamoDBEventResponse{}, c.Store.ApplyFacts(ctx, changes)
}

// ChangeOf returns the change a stream record makes to the aggregates, and
// false when it makes none (a rule's record, an image that is not an item).
func ChangeOf(r events.DynamoDBEventRecord) (doctales.AnalyticsChange, bool) {
	if doctales.IsRuleRecord(r.Change.Keys) {
		return doctales.AnalyticsChange{}, false
	}
	if r.EventName == "REMOVE" || r.Change.NewImage == nil {
		if r.Change.OldImage == nil {
			return doctales.AnalyticsChange{}, false
		}
		old, err := doctales.ItemFromImage(r.Change.OldImage)
		if err != nil || old.ID == "" {
			return doctales.AnalyticsChange{}, false
		}
		return doctales.AnalyticsChange{ID: old.ID, Owner: doctales.OwnerOf(old.Owner)}, true
	}
	item, err := doctales.ItemFromImage(r.Change.NewImage)
	if err != nil || item.ID == "" {
		return doctales.AnalyticsChange{}, false
	}
	f := FactOf(item)
	// A change that moves no bucket (read, pinned, an escalation count,
	// a snooze) is none: most MODIFY records after extraction.
	if r.EventName == "MODIFY" && r.Change.OldImage != nil {
		if old, err := doctales.ItemFromImage(r.Change.OldImage); err == nil && sameFact(FactOf(old), f) {
			return doctales.AnalyticsChange{}, false
		}
	}
	return doctales.AnalyticsChange{ID: item.ID, Owner: f.Owner, Fact: f}, true
}

// sameFact reports whether two facts count the same in every bucket.
func sameFact(a, b *doctales.AnalyticsFact) bool {
	x, y := *a, *b
	if !x.Time.Equal(y.Time) || !x.Deadline.Equal(y.Deadline) {
		return false
	}
	x.Time, x.Deadline = y.Time, y.Deadline
	return x == y
}
