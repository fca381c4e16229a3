// Package history keeps the flow history of every communication: each
// event the runtime delivered or dropped for it, each retry, dead letter and
// notification decision, in order with timings. It answers the operator's
// question "where is communication X, and why was I (not) notified?"
// (doctales trace, GET /communications/{id}/events).
//
// A [Journal] is a runtime.Observer. It never blocks the pipeline: events go
// through a bounded buffer to a background writer that stores them in
// batches; when the buffer is full, events are dropped and counted.
package history

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/runtime"
)

// Defaults of a Journal.
const (
	DefaultBufferSize    = 10000                  // events waiting to be stored; more are dropped
	DefaultFlushInterval = 100 * time.Millisecond // how long the writer waits to fill a batch
	DefaultBatchSize     = 500                    // events stored per write
)

// Journal records flow events. Set Store, then Open; Close flushes.
type Journal struct {
	// Store keeps the events. Required.
	Store doctales.FlowHistory
	// Logger receives write failures (rate-limited). Default slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// BufferSize bounds the events waiting to be stored. 0 means
	// DefaultBufferSize.
	BufferSize int
	// Skip names subscriptions whose outcomes are not recorded, such as a
	// live view that would only add noise to every trace.
	Skip map[string]bool

	ch      chan *doctales.FlowEvent
	dropped atomic.Int64
	failed  atomic.Int64
	wg      sync.WaitGroup
	once    sync.Once
	closeMu sync.RWMutex
	closed  bool
}

// Open starts the background writer.
func (j *Journal) Open() error {
	if j.Store == nil {
		return errors.New("history journal: store required")
	}
	if j.Logger == nil {
		j.Logger = slog.Default()
	}
	if j.Now == nil {
		j.Now = time.Now
	}
	if j.BufferSize <= 0 {
		j.BufferSize = DefaultBufferSize
	}
	j.ch = make(chan *doctales.FlowEvent, j.BufferSize)
	j.wg.Add(1)
	go func() { defer j.wg.Done(); j.writeLoop() }()
	return nil
}

// Close stores what is buffered and stops the writer. It tolerates a second
// call.
func (j *Journal) Close() error {
	j.once.Do(func() {
		j.closeMu.Lock()
		j.closed = true
		j.closeMu.Unlock()
		if j.ch != nil {
			close(j.ch)
		}
		j.wg.Wait()
	})
	return nil
}

// Dropped returns how many events were dropped because the buffer was full.
func (j *Journal) Dropped() int64 { return j.dropped.Load() }

// Add queues an event without blocking. Events without a communication id
// are ignored.
func (j *Journal) Add(ev *doctales.FlowEvent) {
	if ev.CommunicationID == "" {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = j.Now().UTC()
	}
	j.closeMu.RLock()
	defer j.closeMu.RUnlock()
	if j.closed || j.ch == nil {
		return
	}
	select {
	case j.ch <- ev:
	default:
		j.dropped.Add(1)
	}
}

func (j *Journal) writeLoop() {
	batch := make([]*doctales.FlowEvent, 0, DefaultBatchSize)
	var lastErrLog time.Time
	flush := func() {
		if len(batch) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := j.Store.AddFlowEvents(ctx, batch)
		cancel()
		if err != nil {
			j.failed.Add(int64(len(batch)))
			if time.Since(lastErrLog) > time.Minute {
				j.Logger.Error("store flow history", "events", len(batch), "error", err)
				lastErrLog = time.Now()
			}
		}
		batch = batch[:0]
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case ev, ok := <-j.ch:
			if !ok {
				flush()
				return
			}
			if len(batch) == 0 {
				timer.Reset(DefaultFlushInterval)
			}
			batch = append(batch, ev)
			if len(batch) >= DefaultBatchSize {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

// StartInvocation implements runtime.Observer; the outcomes carry what the
// history needs.
func (j *Journal) StartInvocation(ctx context.Context, _ *runtime.Invocation) (context.Context, func(int, error)) {
	return ctx, func(int, error) {}
}

// RecordOutcome implements runtime.Observer: one flow event per record
// outcome, with the reason it was filtered or failed.
func (j *Journal) RecordOutcome(sub string, rec *doctales.LogRecord, o runtime.Outcome) {
	if j.Skip[sub] {
		return
	}
	info := describe(rec)
	ev := &doctales.FlowEvent{
		CommunicationID: info.CommunicationID,
		Step:            sub,
		Kind:            o.Kind,
		Seq:             rec.Seq,
		Event:           info.Event,
		Attempt:         o.Attempt,
		Duration:        o.Duration,
		TraceID:         doctales.TraceID(rec.TraceParent),
		RecordTime:      rec.Time,
	}
	switch o.Kind {
	case runtime.OutcomeFiltered:
		// The facts are read from the log record when the trace is
		// shown (see Explain), not here on the hot path.
	case runtime.OutcomeRetry:
		ev.Detail = errText(o.Err)
	case runtime.OutcomeDeadLettered:
		ev.Detail = o.Reason + ": " + errText(o.Err)
	}
	j.Add(ev)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Info is what the history reads from a log record.
type Info struct {
	CommunicationID string // whose record it is
	Event           string // ObjectCreated:Put, INSERT, MODIFY, REMOVE, Notification
	FilterFacts     string // the facts a filter decided on, e.g. "urgency was medium"
}

// Describe reads the communication id and the event name of a record, and
// the facts a filter looks at, from its AWS shape.
func Describe(rec *doctales.LogRecord) Info {
	info := describe(rec)
	info.FilterFacts = filterFacts(rec)
	return info
}

// describe reads the communication id and the event name without decoding
// the record (stream records carry whole item images): this runs for every
// outcome of every record.
func describe(rec *doctales.LogRecord) Info {
	switch rec.Source {
	case doctales.SourceS3:
		base := path.Base(rec.Key)
		return Info{CommunicationID: strings.TrimSuffix(base, path.Ext(base)), Event: eventName(rec.Data)}
	case doctales.SourceDynamoDB:
		return Info{CommunicationID: rec.Key, Event: eventName(rec.Data)}
	case doctales.SourceSNS:
		var m doctales.Message
		_ = json.Unmarshal(rec.Data, &m)
		return Info{CommunicationID: m.MessageAttributes["communicationId"].StringValue, Event: "Notification " + m.MessageID}
	}
	return Info{CommunicationID: rec.Key, Event: rec.Source}
}

var eventNameKey = []byte(`"eventName":"`)

// eventName finds the top-level eventName of an S3 or DynamoDB record, as
// the encoders write it; "" if it is not written plainly.
func eventName(data []byte) string {
	i := bytes.Index(data, eventNameKey)
	if i < 0 {
		return ""
	}
	rest := data[i+len(eventNameKey):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 || bytes.IndexByte(rest[:j], '\\') >= 0 {
		return ""
	}
	return string(rest[:j])
}

// Explain fills in the detail of filtered events from their log records,
// which lookup returns by seq; a record no longer in the log (compacted)
// is said to be so.
func Explain(evs []*doctales.FlowEvent, lookup func(seq int64) (*doctales.LogRecord, error)) {
	for _, ev := range evs {
		if ev.Kind != runtime.OutcomeFiltered || ev.Detail != "" {
			continue
		}
		rec, err := lookup(ev.Seq)
		if err != nil {
			ev.Detail = "dropped by filter (its record is no longer in the log)"
			continue
		}
		ev.Detail = "dropped by filter: " + filterFacts(rec)
	}
}

// filterFacts decodes what a filter looks at: the event name of an S3
// record, the urgency and status of a stream record's new image.
func filterFacts(rec *doctales.LogRecord) string {
	switch rec.Source {
	case doctales.SourceS3:
		return "event was " + eventName(rec.Data)
	case doctales.SourceDynamoDB:
		var r struct {
			EventName string `json:"eventName"`
			DynamoDB  struct {
				NewImage struct {
					Metadata struct {
						M struct {
							Urgency *struct {
								S string `json:"S"`
							} `json:"urgency"`
						} `json:"M"`
					} `json:"metadata"`
					Status *struct {
						S string `json:"S"`
					} `json:"status"`
				} `json:"NewImage"`
			} `json:"dynamodb"`
		}
		_ = json.Unmarshal(rec.Data, &r)
		if r.EventName == "REMOVE" {
			return "a REMOVE has no new image"
		}
		facts := "urgency was absent"
		if u := r.DynamoDB.NewImage.Metadata.M.Urgency; u != nil {
			facts = fmt.Sprintf("urgency was %s", u.S)
		}
		if st := r.DynamoDB.NewImage.Status; st != nil {
			facts += fmt.Sprintf(" (status %s)", st.S)
		}
		return facts
	case doctales.SourceSNS:
		var m doctales.Message
		_ = json.Unmarshal(rec.Data, &m)
		return "subject was " + m.Subject
	}
	return ""
}

var _ runtime.Observer = (*Journal)(nil)
