// Package nats is the event log on NATS JetStream: the
// [doctales.EventLog] the runtime delivers from, shared by any number of
// processes, so that the same subscriptions run beyond one machine
// (issue 11). The embedded mode's log is package sqlite's; this one holds
// the same records in one JetStream stream.
//
// # Layout
//
//   - One stream (file storage, [Options.Stream], "DOCTALES" by default)
//     holds every source. A record's subject is
//     <prefix>.<source token>.<partition bits> ([Log.Subject]): the source
//     ("aws:s3") as one subject token, then the partition of its key
//     among [Options.SubjectPartitions] (16) by [doctales.KeyPartition],
//     the mapping the runtime's partitioned subscriptions use, as one
//     token per bit, lowest first: doctales.aws:s3.1.0.1.1 is partition
//     13 of 16. Partition i of any power of two n is then one subject
//     wildcard (doctales.aws:s3.1.>, partition 1 of 2), which
//     [Log.ReadPartition] reads.
//   - A record's Seq is its stream sequence; its Data is the message
//     body, unchanged (readable with the nats CLI); Key, Target,
//     TraceParent and Time are headers (Doctales-Key and so on).
//   - Checkpoints are keys of a JetStream key-value bucket
//     ([Options.CheckpointBucket]), one per subscription or partition.
//   - [Log.Changed] is woken by the stream's republish of each stored
//     message (headers only) to _appended.<prefix>.>, so it fires after
//     the record is stored, whichever process appended it.
//
// # Guarantees
//
//   - Append returns after JetStream acknowledged every record: it is
//     written to the stream's files (with Replicas > 1, on a quorum of
//     servers). A killed server loses nothing acknowledged. The server
//     syncs its files to disk every 2 minutes by default, so a power
//     loss of a lone server can lose the last acknowledged records; run
//     3 replicas, or nats-server with `jetstream { sync_interval: always }`
//     (each write synced, as the SQLite log syncs each commit, at a cost
//     measured in docs/cluster.md). Records of one Append keep their
//     order. An Append is not atomic: if
//     it fails, a prefix of its records may be stored; retrying appends
//     them again unless they carry a message id ([Log.AppendFrom]).
//   - [Log.AppendFrom] publishes each record with Nats-Msg-Id
//     "<origin>/<origin seq>": JetStream drops a republish of the same id
//     within the duplicate window ([Options.DuplicateWindow]) and answers
//     with the first copy's sequence. The relay (package relay) relies on
//     it so that a crash between append and checkpoint duplicates
//     nothing.
//   - ReadLog reads with the batched direct-get API: one request, up to
//     limit messages streamed back, filtered by subject on the server,
//     no state left on the server. A consumer made for each read (the
//     other stateless way) reads a full page about 1.3 times as fast but
//     an empty one (the runtime's idle poll, every PollInterval per
//     subscription) 8 times as slowly, and leaves a consumer to delete;
//     see docs/cluster.md and BenchmarkReadLog.
//   - With Replicas > 1 a direct get may be answered by a follower that
//     lags: it returns a prefix of the records, never a gap, and the next
//     read goes on from there.
//   - Nothing is deleted unless [Options.MaxAge] or [Options.MaxBytes]
//     is set; then the oldest records go first (DiscardOld), and a
//     subscription that falls behind them skips what was deleted.
//
// # Durable consumers
//
// [Log.Consumer] makes or updates a durable pull consumer of the stream
// for one subscription and partition ([ConsumerName]:
// "extraction-0of2"): explicit acknowledgements, the source's (and
// partition's) subjects, a first delivery after the subscription's
// checkpoint, AckWait with BackOff, MaxDeliver, MaxAckPending, and a
// priority group whose pinned client alone is delivered to, so that a
// second process of the partition stands by and takes over when the
// first dies. [Consumer.Fetch] hands out [Delivery] values to
// acknowledge or keep in progress; cmd/doctales adapts them to the
// runtime's feeds (natsConsumers: durable). A record delivered MaxDeliver
// times without an acknowledgement is given up by JetStream, whose
// max-deliveries advisory waits in a work-queue stream of its own
// (<stream>_ADVISORIES) until a [MaxDeliveries] (one shared consumer,
// whatever the number of processes) makes it a dead letter.
package nats
