package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/doctales/doctales"
	dtnats "github.com/doctales/doctales/nats"
	"github.com/doctales/doctales/postgres"
)

// natsReader reads a cluster's JetStream log and checkpoint bucket, as
// package nats lays them out with its default options (those `serve
// --nats` uses): it creates and changes nothing there (unlike
// dtnats.Open, which creates the stream and bucket when missing), so a
// command pointed at the wrong server says so.
type natsReader struct {
	nc     *natsgo.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	kv     jetstream.KeyValue
}

// checkNATSURL returns a usage error naming name and the URL unless it
// is nats://HOST:PORT or tls://HOST:PORT, as serve --nats takes.
func checkNATSURL(command, name, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" {
		return usageErrorf(command, "%s %q: give a NATS server URL, nats://HOST:PORT (or tls://)", name, s)
	}
	return nil
}

// openNATSReader connects to the NATS server at u and finds the stream
// and the checkpoint bucket.
func openNATSReader(ctx context.Context, u string) (*natsReader, error) {
	nc, err := natsgo.Connect(u, natsgo.Name("doctales cli"), natsgo.Timeout(10*time.Second))
	if err != nil {
		return nil, err
	}
	r := &natsReader{nc: nc}
	if r.js, err = jetstream.New(nc); err != nil {
		nc.Close()
		return nil, err
	}
	if r.stream, err = r.js.Stream(ctx, dtnats.DefaultStream); err != nil {
		nc.Close()
		return nil, fmt.Errorf("stream %q: %w (is this the cluster's NATS server, and has a serve --nats process started on it?)", dtnats.DefaultStream, err)
	}
	if r.kv, err = r.js.KeyValue(ctx, dtnats.DefaultCheckpointBucket); err != nil {
		nc.Close()
		return nil, fmt.Errorf("checkpoint bucket %q: %w", dtnats.DefaultCheckpointBucket, err)
	}
	return r, nil
}

// Close closes the connection.
func (r *natsReader) Close() { r.nc.Close() }

// filter is the subjects of source's records ("" every source).
func (r *natsReader) filter(source string) string {
	if source == "" {
		return dtnats.DefaultSubjectPrefix + ".>"
	}
	return dtnats.DefaultSubjectPrefix + "." + sourceToken(source) + ".>"
}

// sourceToken is package nats's subject token of a source: the source
// itself when it is a valid token, else "_" and its hex.
func sourceToken(source string) string {
	ok := source != "" && source[0] != '_'
	for _, c := range source {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(":/=-_", c)) {
			ok = false
		}
	}
	if ok {
		return source
	}
	return "_" + hex.EncodeToString([]byte(source))
}

// Head returns the stream's last sequence.
func (r *natsReader) Head(ctx context.Context) (int64, error) {
	info, err := r.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream %q: %w", dtnats.DefaultStream, err)
	}
	return int64(info.State.LastSeq), nil
}

// Record returns the record at seq with its Source and Data (what a
// filter looked at), or an error when it is not in the stream.
func (r *natsReader) Record(ctx context.Context, seq int64) (*doctales.LogRecord, error) {
	m, err := r.stream.GetMsg(ctx, uint64(seq))
	if err != nil {
		return nil, fmt.Errorf("message %d of stream %q: %w", seq, dtnats.DefaultStream, err)
	}
	rest, _ := strings.CutPrefix(m.Subject, dtnats.DefaultSubjectPrefix+".")
	tok, _, _ := strings.Cut(rest, ".")
	src := tok
	if s, ok := strings.CutPrefix(tok, "_"); ok {
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("message %d: subject %q: %w", seq, m.Subject, err)
		}
		src = string(b)
	}
	return &doctales.LogRecord{Seq: seq, Source: src, Data: json.RawMessage(m.Data), Time: m.Time}, nil
}

// Backlog is postgres.DB.Backlog on the stream: how many records of
// source ("" any) come after seq after, and when the first of them was
// stored. The count is that of a consumer started after it (created
// without state on the server, and deleted).
func (r *natsReader) Backlog(ctx context.Context, source string, after int64) (int64, time.Time, error) {
	filter := r.filter(source)
	m, err := r.stream.GetMsg(ctx, uint64(after+1), jetstream.WithGetMsgSubject(filter))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, time.Time{}, nil
	} else if err != nil {
		return 0, time.Time{}, fmt.Errorf("first record of %q after %d: %w", source, after, err)
	}
	cons, err := r.stream.CreateConsumer(ctx, jetstream.ConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: m.Sequence, FilterSubject: filter,
		AckPolicy: jetstream.AckNonePolicy, InactiveThreshold: 10 * time.Second, MemoryStorage: true,
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("count the records of %q after %d: %w", source, after, err)
	}
	n := int64(cons.CachedInfo().NumPending)
	_ = r.stream.DeleteConsumer(ctx, cons.CachedInfo().Name) // else it expires by InactiveThreshold
	return n, m.Time.UTC(), nil
}

// Checkpoints returns every checkpoint in the bucket, by name.
func (r *natsReader) Checkpoints(ctx context.Context) ([]postgres.CheckpointState, error) {
	lister, err := r.kv.ListKeys(ctx)
	if err != nil {
		if errors.Is(err, jetstream.ErrNoKeysFound) {
			return nil, nil
		}
		return nil, fmt.Errorf("list checkpoints in bucket %q: %w", dtnats.DefaultCheckpointBucket, err)
	}
	defer func() { _ = lister.Stop() }()
	var out []postgres.CheckpointState
	for key := range lister.Keys() {
		e, err := r.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("read checkpoint %q in bucket %q: %w", key, dtnats.DefaultCheckpointBucket, err)
		}
		seq, err := strconv.ParseInt(string(e.Value()), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("checkpoint %q in bucket %q is %q, not a sequence", key, dtnats.DefaultCheckpointBucket, e.Value())
		}
		name := key
		if b64, ok := strings.CutPrefix(key, "b64."); ok {
			if b, err := base64.RawURLEncoding.DecodeString(b64); err == nil {
				name = string(b)
			}
		}
		out = append(out, postgres.CheckpointState{Name: name, Seq: seq, UpdatedAt: e.Created().UTC()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
