package eval

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/doctales/doctales/extract"
)

// BenchmarkExtractEasyHam extracts every message of easy-ham-1 per
// iteration; b.N messages per second is the figure `doctales eval speed`
// reports. Run it on one core to compare with the target:
//
//	go test -run XXX -bench ExtractEasyHam -cpu 1 -cpuprofile cpu.out ./extract/eval/
func BenchmarkExtractEasyHam(b *testing.B) {
	wd, _ := os.Getwd()
	msgs, err := readMails(filepath.Join(DataDir(wd), "mail", "easy-ham-1"))
	if err != nil {
		b.Skipf("easy-ham-1 not found (set DOCTALES_DATA): %v", err)
	}
	eng := extract.New()
	ctx := context.Background()
	for _, c := range msgs[:min(50, len(msgs))] {
		if _, err := eng.Extract(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := msgs[i%len(msgs)]
		if _, err := eng.Extract(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}
