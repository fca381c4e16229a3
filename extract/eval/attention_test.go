package eval

import (
	"context"
	"strings"
	"testing"
)

// TestBlindRounds: blind-11 to blind-37 cover files 843-1912 without a
// gap or an overlap, and each first-run session names rounds that exist.
func TestBlindRounds(t *testing.T) {
	if n := len(BlindRounds); n != 27 {
		t.Fatalf("%d blind rounds, want 27 (blind-11 to blind-37)", n)
	}
	next, total := 843, 0
	for _, r := range BlindRounds {
		if r.First != next || r.Last < r.First {
			t.Fatalf("%s is %d-%d, want it to start at %d", r.Name, r.First, r.Last, next)
		}
		next, total = r.Last+1, total+r.Last-r.First+1
	}
	if next-1 != MaxAttentionFile || total != 1070 {
		t.Fatalf("rounds end at %d with %d messages, want %d and 1070", next-1, total, MaxAttentionFile)
	}
	seen := 0
	for _, s := range FirstRunSessions {
		rs := s.Rounds()
		if len(rs) == 0 || rs[0].Name != s.First || rs[len(rs)-1].Name != s.Last {
			t.Fatalf("session %s: rounds %v, want %s..%s", s.Commit, rs, s.First, s.Last)
		}
		seen += len(rs)
	}
	if seen != len(BlindRounds) {
		t.Fatalf("first-run sessions cover %d rounds, want %d", seen, len(BlindRounds))
	}
}

// TestCollectAttentionRefusesLaterFiles: a label of a file above
// MaxAttentionFile is refused before the file is read.
func TestCollectAttentionRefusesLaterFiles(t *testing.T) {
	_, err := CollectAttention(context.Background(), t.TempDir(), []UrgencyLabel{{File: "1913.eml", Split: "tune"}}, func(UrgencyLabel) bool { return true })
	if err == nil || !strings.Contains(err.Error(), "1913") || !strings.Contains(err.Error(), "1912") {
		t.Fatalf("CollectAttention(1913.eml): error %v, want one naming the file number and the limit 1912", err)
	}
	if FileNumber("0843.eml") != 843 || FileNumber("labels.jsonl") != -1 {
		t.Fatalf("FileNumber: 0843.eml -> %d, labels.jsonl -> %d; want 843, -1", FileNumber("0843.eml"), FileNumber("labels.jsonl"))
	}
}
