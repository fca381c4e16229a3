package doctales_test

import (
	"fmt"
	"hash/fnv"
	"testing"

	"github.com/doctales/doctales"
)

// KeyPartition spreads keys over the partitions, and independently of the
// runtime's worker shard (FNV-1a modulo the concurrency), so that each
// partition's keys still spread over its workers.
func TestKeyPartition(t *testing.T) {
	const keys = 4000
	var grid [4][2]int // partition of 4 × worker of 2
	for i := range keys {
		k := fmt.Sprintf("USER#%d", i)
		p := doctales.KeyPartition(k, 4)
		if p < 0 || p >= 4 {
			t.Fatalf("KeyPartition(%q, 4) = %d", k, p)
		}
		if q := doctales.KeyPartition(k, 4); q != p {
			t.Fatalf("KeyPartition(%q, 4) is %d then %d", k, p, q)
		}
		h := fnv.New32a()
		h.Write([]byte(k))
		grid[p][h.Sum32()%2]++
	}
	for p, row := range grid {
		for w, n := range row {
			if n < keys/8*8/10 { // within 20% of an even spread
				t.Errorf("partition %d, worker %d: %d keys of %d; want about %d", p, w, n, keys, keys/8)
			}
		}
	}
	if doctales.KeyPartition("x", 1) != 0 || doctales.KeyPartition("x", 0) != 0 {
		t.Error("KeyPartition with n <= 1 is not 0")
	}
}
