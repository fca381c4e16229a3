package doctales

import "hash/fnv"

// KeyPartition returns the partition, in 0..n-1, of a record key among n
// partitions (0 when n <= 1). It is the one mapping from keys to
// partitions: the runtime's partitioned subscriptions take the keys of
// their partition by it, and the NATS log names a record's subject by it,
// so that one key always lands in the same partition and its records
// keep their order there.
//
// It is FNV-1a of the key, mixed by MurmurHash3's finaliser before the
// modulo. The runtime spreads a partition's keys over its workers by the
// unmixed FNV-1a modulo the concurrency; without the mixing, two
// partitions of two workers each would send every key of a partition to
// one worker (an even hash is even modulo both).
func KeyPartition(key string, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	x := h.Sum32()
	x ^= x >> 16
	x *= 0x85ebca6b
	x ^= x >> 13
	x *= 0xc2b2ae35
	x ^= x >> 16
	return int(x % uint32(n))
}
