// Package notify is the last step of the Doc-Tales pipeline: it turns a
// communication that became high priority into one notification, and
// delivers that notification to the topic's subscribers.
//
//	ingestion ─▶ object store ─▶ extraction ─▶ table ─▶ stream ─▶ [Function] ─▶ topic ─▶ subscribers
//
// # The notification function
//
// [Function] is the Notification Lambda of the original design. The runtime
// invokes [Function.Handle] with batches of DynamoDB stream records (the
// events.DynamoDBEvent shape) that passed the event-source filter
//
//	{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high"]}}}}}}
//
// The filter only says "the item is high now". [Escalation] decides whether
// the change made it high: an insert of a high item, or a modify from any
// other urgency (or from an unknown old image) to high. An item that stays
// high is not notified again, which fixes the original function's double
// notification (once for the ingestion INSERT, once more for the extraction
// MODIFY).
//
// Each escalation has a deterministic message id ([MessageID]): the same
// communication reaching high always yields the same id, so a re-delivered
// batch, a redriven dead letter or a re-ingested communication cannot notify
// twice. The function claims the id in a [doctales.Ledger] before
// publishing (state "sending" with a lease) and marks it sent after; a claim
// still in its lease fails the record for a retry ([ErrInFlight]). A crash
// between publishing and marking leaves the claim to run out; the record's
// next delivery then takes it over and publishes the same id again, which
// the local topic drops and SNS subscribers drop by the "messageId"
// attribute (an SNS standard topic delivers both). docs/aws.md, "Notifications
// once", has the rule.
//
// # People's rules
//
// With [Function.Rules] set (as doctales serve sets it), the decision is
// each person's: a [doctales.Rule] is an event pattern over the same
// stream record, with the channels it notifies. The first enabled rule of
// the item's owner, in order, whose pattern matches the record decides,
// and it fires when it did not match the record with the old image in its
// place, so an item is notified once when it begins to match (the
// generalisation of [Escalation]). The built-in default rule, urgency
// high to every channel, keeps the message ids above. A rule's message
// carries the attributes [AttrRule] and [AttrTargets]; each topic
// subscriber takes only the messages for its channel ([ChannelFilter],
// [ForChannel]).
//
// [RuleBook] compiles the rules and reads them through with a version
// check, so a change made through the API applies to the next record
// without a restart; its [RuleBook.Admit] widens the trigger's filter by
// every enabled rule. Every enabled rule of every owner is in one
// pattern.Matcher, run once per record over the flattening the
// subscriptions' filters made ([Function.Flats], [Function.HandleLog]);
// the judge picks the owner's first enabled rule among its answer. [ValidateRule] checks a rule, naming the field and,
// for a pattern, the offset; [MatchItems] is the "test against my last
// 100" preview.
//
// # When: reminders, escalation, quiet hours, digest
//
// [When] plans what comes after the first notification: reminders before
// the deadline, escalation to the next channel until the item is
// acknowledged (read, done, or its ack link, [AckToken]), quiet hours per
// channel ([QuietHours]: held, then delivered or folded into the digest)
// and a periodic digest ([DigestPolicy], the target [TargetDigest]). The
// [Function] tells it of each change and each notification; its timers
// ([Timer]) are stored durably ([TimerStore], [DigestStore]) with
// deterministic ids, and [When.Run] fires each once when due, also after
// a crash, publishing under a MessageId the ledger checks first.
//
// # The message
//
// [NewMessage] keeps the original wording (the subject "High Priority: …"
// and the body lines "You have a high priority communication…"), writes the
// sender the original never wrote, replaces every '-' of the project name,
// not just the first, and keeps the subject within the SNS limits (under 100
// characters, one line, no control characters); see [FormatSubject].
//
// # Subscribers
//
// A topic fans each message out to its subscribers, each a function the
// runtime invokes with the message; an error asks the runtime to retry and,
// in the end, dead-letter the delivery. Retries and backoff are the
// runtime's, never a subscriber's: a webhook subscription has an SNS-shaped
// delivery policy (runtime.DeliveryPolicy: retry phases, throttle, a
// circuit that pauses a dead endpoint). A subscriber error that retrying
// cannot fix, such as a webhook's 400 ([StatusError.Permanent]) or a
// refused target ([RefusedTargetError]), is dead-lettered at once.
//
//   - [LogSubscriber] writes one log line per notification.
//   - [Webhook] POSTs the message to an HTTP(S) endpoint in the JSON shape
//     SNS uses for HTTP(S) subscriptions ([Notification]), optionally signed
//     with HMAC-SHA256 over timestamp and body ([Sign], [SignatureHeaders]);
//     receivers check it with [VerifySignature]. It connects only to
//     addresses outside the loopback, private, link-local and metadata
//     ranges, or allowed by [Webhook.AllowPrivate], checking each address
//     it dials ([CheckAddr]), and follows no redirect (issue 17).
//   - [Hub] pushes messages live to browsers over Server-Sent Events, and can
//     carry other live events on the same stream ([Hub.Send]).
package notify
