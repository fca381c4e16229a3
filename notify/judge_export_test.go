package notify

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
)

// oldJudgeRules is judgeRules as it was before the shared flattening
// (issue 13, item 4): the record re-encoded, then flattened by each rule
// of the owner in turn, and re-encoded again with the old image in place
// of the new one for the rule that matched. It is the reference the
// shared path is checked against (TestJudge_SharedAgreesWithOld) and the
// "old" side of BenchmarkPipeline.
func (f *Function) oldJudgeRules(ctx context.Context, rec *events.DynamoDBEventRecord, old, item *doctales.Item) (*compiledRule, string, error) {
	rules, err := f.Rules.rules(ctx, item.Owner)
	if err != nil {
		return nil, "", err
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, "", fmt.Errorf("encode record: %w", err)
	}
	var oldData []byte
	enabled := 0
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		enabled++
		ok, err := r.p.Match(data)
		if err != nil {
			return nil, "", fmt.Errorf("match rule %q: %w", r.ID, err)
		}
		if !ok {
			continue
		}
		if len(rec.Change.OldImage) > 0 {
			if oldData == nil {
				prev := *rec
				prev.Change.NewImage = rec.Change.OldImage
				if oldData, err = json.Marshal(&prev); err != nil {
					return nil, "", fmt.Errorf("encode old record: %w", err)
				}
			}
			if was, _ := r.p.Match(oldData); was {
				return nil, fmt.Sprintf("rule %q already matched before this change", r.Name), nil
			}
		}
		reason := fmt.Sprintf("matched rule %q", r.Name)
		if r.ID == doctales.DefaultRuleID {
			if yes, why := Escalation(old, item); yes {
				reason = why
			}
		}
		return r, reason, nil
	}
	if enabled == 0 {
		return nil, "no rule is enabled", nil
	}
	return nil, fmt.Sprintf("no rule matched (%d enabled)", enabled), nil
}

// OldAdmit is RuleBook.Admit as it was: the raw record flattened anew for
// the matcher of every enabled pattern.
func OldAdmit(b *RuleBook, data []byte) bool {
	s, err := b.snapshot(context.Background())
	if err != nil {
		return true
	}
	ids, err := s.all.MatchesForEvent(data)
	return err == nil && len(ids) > 0
}

// JudgeOld runs the old judge; the rule's id is "" when none fires.
func JudgeOld(f *Function, ctx context.Context, rec *events.DynamoDBEventRecord, old, item *doctales.Item) (string, string, error) {
	r, reason, err := f.oldJudgeRules(ctx, rec, old, item)
	return ruleID(r), reason, err
}

// Judge runs the judge on the shared path: raw is the log record rec was
// decoded from (nil: encode rec, as on Lambda).
func Judge(f *Function, ctx context.Context, rec *events.DynamoDBEventRecord, raw *doctales.LogRecord, old, item *doctales.Item) (string, string, error) {
	r, reason, err := f.judgeRules(ctx, rec, raw, old, item)
	return ruleID(r), reason, err
}

func ruleID(r *compiledRule) string {
	if r == nil {
		return ""
	}
	return r.ID
}
