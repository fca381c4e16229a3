package nats

// ReadByConsumer makes l read with an ordered consumer per ReadLog
// instead of a batched direct get, for BenchmarkReadLog.
func ReadByConsumer(l *Log) { l.byConsumer = true }
