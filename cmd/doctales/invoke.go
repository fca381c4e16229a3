package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	neturl "net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"
	"golang.org/x/term"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/runtime"
)

const invokeUsage = `Usage: doctales invoke <function> [--event FILE] [--follow] [--data DIR] [--config FILE]
       doctales invoke ingestion --postgres DSN [--event FILE]

Runs one function on an event file, like "sam local invoke", against the data
folder; without --event (or with --event -) the event is read from standard
input. Functions and the event shapes they take:
  ingestion     an API Gateway proxy event (events.APIGatewayProxyRequest, the
                REST API's format 1.0: httpMethod, path, headers, body);
                prints the proxy response (statusCode, headers, body)
  extraction    an S3 event notification (s3:ObjectCreated:*)
  notification  a DynamoDB stream event
  delivery      an SNS message (Subject, Message, MessageAttributes), delivered
                to every topic subscriber
With --follow, the events the function causes are delivered too, as the
runtime would, and each is printed as it passes, until the flow is idle.

Against a cluster (--postgres DSN, or postgres: in --config), ingestion is
sent through the cluster's live api process, found in its process registry
(with $DOCTALES_API_KEY when the event has no Authorization header); the
other functions are refused, since the cluster's workers run them on its
records.

Example:
  doctales invoke ingestion --event events/api-gateway-post.json
  doctales invoke extraction --event events/s3-object-created.json --follow
  doctales invoke ingestion < events/api-gateway-post.json

Flags:
`

// runInvoke is the invoke command.
func runInvoke(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctales invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, invokeUsage); fs.PrintDefaults() }
	var cf commonFlags
	cf.register(fs)
	// The command's output is what it prints; the log says only what went wrong.
	fs.Lookup("log-level").DefValue, cf.logLevel = "warn", "warn"
	eventFile := fs.String("event", "", "event JSON file (- or left out: standard input)")
	follow := fs.Bool("follow", false, "also run the downstream functions and print each event")
	timeout := fs.Duration("timeout", 60*time.Second, "with --follow, how long to wait for the flow to go idle")
	pgDSN := fs.String("postgres", "", "PostgreSQL DSN of a cluster (as given to serve --postgres): invoke ingestion through the live api process its process registry names; the other functions are refused (default: the postgres of --config)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usageErrorf("invoke", "invoke: give one function (ingestion, extraction, notification or delivery), got %d arguments", len(pos))
	}
	fn := pos[0]
	switch fn {
	case "ingestion", "extraction", "notification", "delivery":
	default:
		return usageErrorf("invoke", "invoke: unknown function %q: give ingestion, extraction, notification or delivery", fn)
	}
	var data []byte
	switch {
	case *eventFile != "" && *eventFile != "-":
		data, err = os.ReadFile(*eventFile)
	case stdin == nil || isTerminalReader(stdin):
		// Nothing piped: waiting for a person to type an event would
		// look like a hang.
		return usageErrorf("invoke", "invoke %s: give the event: --event FILE, or pipe it on standard input", fn)
	default:
		data, err = io.ReadAll(io.LimitReader(stdin, maxEventBytes+1))
	}
	if err != nil {
		return fmt.Errorf("invoke: read event: %w", err)
	}
	if len(data) > maxEventBytes {
		return fmt.Errorf("invoke %s: the event is larger than %d bytes, the most invoke reads", fn, maxEventBytes)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return usageErrorf("invoke", "invoke %s: the event is empty: give --event FILE, or pipe the event on standard input", fn)
	}
	if fn == "ingestion" {
		if _, err := decodeProxyRequest(data); err != nil {
			return err
		}
	}
	cfg, logger, err := cf.load(stderr)
	if err != nil {
		return err
	}
	// A cluster runs the pipeline in its processes: ingestion goes
	// through its api process, the other functions are refused
	// (clusterroute.go).
	if route, err := invokeClusterRoute(ctx, fn, *pgDSN, cfg, data, stderr); err != nil {
		return err
	} else if route != nil {
		if *follow {
			fmt.Fprintln(stderr, "invoke: --follow: the cluster's workers run what the event triggers; see it with doctales trace <id> --postgres DSN")
		}
		return invokeRemote(ctx, route.URL, data, &printer{w: stdout})
	}
	// A server that holds the data folder runs the pipeline already: a
	// second one here would deliver records twice (issue 11).
	url, holder, err := folderServer(cfg.Data)
	if err != nil {
		return fmt.Errorf("invoke %s: %w", fn, err)
	}
	if url != "" {
		if fn != "ingestion" {
			return fmt.Errorf("invoke %s: data folder %s is held by %s, whose pipeline runs the functions; invoke would run a second one on the same records. "+
				"Only ingestion goes through the server's API; stop the server to invoke %s on this folder, or invoke on a copy of it (--data)",
				fn, cfg.Data, holder, fn)
		}
		throughServer(stderr, "invoke", cfg.Data, holder)
		if *follow {
			fmt.Fprintln(stderr, "invoke: --follow: the server runs what the event triggers; see it with doctales trace <id>")
		}
		return invokeRemote(ctx, url, data, &printer{w: stdout})
	}
	if cfg.Freshness == nil {
		// The sample events are dated in June 2025: invoke shows the
		// flow they start, whatever their age, unless the config sets a
		// freshness window.
		zero := Period(0)
		cfg.Freshness = &zero
	}
	p := &Pipeline{Config: cfg, Logger: logger, Command: "invoke"}
	out := &printer{w: stdout}
	if *follow {
		p.Wrap = out.wrap
	}
	if err := p.Open(); err != nil {
		return err
	}
	defer p.Close()

	result, err := invokeFunction(ctx, p, fn, data)
	if err != nil {
		return err
	}
	out.print("result", fn, result)
	if !*follow {
		return nil
	}
	if err := p.Start(); err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	return p.Runtime.Drain(dctx)
}

// invokeFunction runs one function on an event and returns its result.
func invokeFunction(ctx context.Context, p *Pipeline, fn string, data []byte) (any, error) {
	switch fn {
	case "ingestion":
		ev, err := decodeProxyRequest(data)
		if err != nil {
			return nil, err
		}
		return httpapi.ServeAPIGateway(ctx, p.API, ev)
	case "extraction":
		var ev events.S3Event
		if err := decodeEvent(data, &ev); err != nil {
			return nil, err
		}
		if len(ev.Records) == 0 {
			return nil, errors.New("invoke: the S3 event has no Records")
		}
		var items []*doctales.Item
		for i := range ev.Records {
			item, err := p.Extraction.Extract(ctx, &ev.Records[i])
			if doctales.ErrorCode(err) == doctales.ENOTFOUND {
				return nil, fmt.Errorf("%w\n(the object must exist first: invoke ingestion with a communication of that id and date, e.g. events/api-gateway-post.json)", err)
			} else if err != nil {
				return nil, err
			}
			if item != nil { // nil: deleted, or an orphan of a refused ingest
				items = append(items, item)
			}
		}
		return items, nil
	case "notification":
		var ev events.DynamoDBEvent
		if err := decodeEvent(data, &ev); err != nil {
			return nil, err
		}
		return p.Notification.Handle(ctx, ev)
	case "delivery":
		var m doctales.Message
		if err := decodeEvent(data, &m); err != nil {
			return nil, err
		}
		if m.MessageID == "" {
			m.MessageID = uuid.NewString()
		}
		if m.Timestamp.IsZero() {
			m.Timestamp = time.Now().UTC()
		}
		// Publishing puts the message on the topic; the subscribers are
		// invoked here directly so the command shows their outcome.
		if err := p.Topic.Publish(ctx, &m); err != nil {
			return nil, err
		}
		results := map[string]string{}
		for _, ts := range p.Config.Topic.Subscriptions {
			var err error
			switch ts.Protocol {
			case "log":
				err = (&notify.LogSubscriber{Logger: p.Logger}).Deliver(ctx, &m)
			case "webhook":
				// One attempt, no retries: invoke shows what the endpoint answers.
				var wh *notify.Webhook
				if wh, err = p.Config.Topic.webhook(&ts); err == nil {
					err = wh.Deliver(ctx, &m)
				}
			case "email":
				var em *notify.Email
				if em, err = p.Config.Topic.email(&ts, time.UTC); err == nil {
					err = em.Deliver(ctx, &m)
				}
			case "sns":
				var ch *notify.SNSChannel
				if ch, err = p.Config.Topic.sns(&ts, time.UTC); err == nil {
					err = ch.Deliver(ctx, &m)
				}
			}
			results[ts.Protocol+" "+ts.Endpoint] = "delivered"
			if err != nil {
				results[ts.Protocol+" "+ts.Endpoint] = err.Error()
			}
		}
		return map[string]any{"MessageId": m.MessageID, "deliveries": results}, nil
	}
	return nil, fmt.Errorf("invoke: unknown function %q; known: ingestion, extraction, notification, delivery", fn)
}

// invokeRemote runs the ingestion function of the server at base on an
// API Gateway event: the event's request is sent to the server (with the
// API key of $DOCTALES_API_KEY unless the event has an Authorization
// header) and its answer printed as the function's result, as a local
// invoke prints it.
func invokeRemote(ctx context.Context, base string, data []byte, out *printer) error {
	ev, err := decodeProxyRequest(data)
	if err != nil {
		return err
	}
	target, err := neturl.Parse(base)
	if err != nil {
		return fmt.Errorf("invoke ingestion: server URL %q: %w", base, err)
	}
	transport := http.DefaultTransport
	if !hasHeader(ev, "Authorization") {
		client, err := withAPIKey(&http.Client{}, "")
		if err != nil {
			return err
		}
		if client.Transport != nil {
			transport = client.Transport
		}
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = target.Host
		},
		Transport: transport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			out.print("result", "ingestion", map[string]string{"error": fmt.Sprintf("POST %s: %v", base, err)})
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	resp, err := httpapi.ServeAPIGateway(ctx, proxy, ev)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusBadGateway && resp.Body == "" {
		return fmt.Errorf("invoke ingestion: the server at %s did not answer", base)
	}
	out.print("result", "ingestion", resp)
	return nil
}

// hasHeader reports whether the event carries the header name, in any
// case, single- or multi-valued.
func hasHeader(ev events.APIGatewayProxyRequest, name string) bool {
	for k := range ev.Headers {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	for k := range ev.MultiValueHeaders {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// maxEventBytes is the largest event invoke reads (16 MiB): above API
// Gateway's 10 MB payload limit, and it bounds what a runaway pipe on
// standard input can make invoke hold.
const maxEventBytes = 16 << 20

// isTerminalReader reports whether r is a terminal, where nobody has piped
// an event.
func isTerminalReader(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// decodeProxyRequest decodes the event of the ingestion function: an API
// Gateway proxy request of the REST API (payload format 1.0). JSON of
// another shape decodes without error into an empty request, so the
// fields a request cannot lack are checked, and an HTTP API (format 2.0)
// event, or another function's event, is named as such.
func decodeProxyRequest(data []byte) (events.APIGatewayProxyRequest, error) {
	var ev events.APIGatewayProxyRequest
	if err := decodeEvent(data, &ev); err != nil {
		return ev, err
	}
	var shape struct {
		Version    string          `json:"version"`
		RawPath    string          `json:"rawPath"`
		Records    json.RawMessage `json:"Records"`
		DynamoDB   json.RawMessage `json:"dynamodb"`
		MessageID  string          `json:"MessageId"`
		HTTPMethod json.RawMessage `json:"httpMethod"`
	}
	_ = json.Unmarshal(data, &shape) // decodeEvent read it already
	switch {
	case shape.Version == "2.0" || shape.RawPath != "":
		return ev, fmt.Errorf("invoke ingestion: the event is an HTTP API (payload format 2.0) event; ingestion takes the REST API's proxy request (format 1.0, with httpMethod and path), as in events/api-gateway-post.json")
	case len(shape.Records) > 0:
		return ev, fmt.Errorf("invoke ingestion: the event has Records (an S3 or DynamoDB stream event, for extraction or notification); ingestion takes an API Gateway proxy request, as in events/api-gateway-post.json")
	case ev.HTTPMethod == "":
		return ev, fmt.Errorf("invoke ingestion: the event has no httpMethod: not an API Gateway proxy request (events/api-gateway-post.json is one)")
	case ev.Path == "":
		return ev, fmt.Errorf("invoke ingestion: the event has no path (httpMethod %q): an API Gateway proxy request names the resource it calls, such as /communications", ev.HTTPMethod)
	}
	return ev, nil
}

// decodeEvent decodes an event file strictly enough to catch a wrong file.
func decodeEvent(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("invoke: the event is not valid JSON of the expected shape: %w", err)
	}
	return nil
}

// printer writes one JSON line per event or result.
type printer struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *printer) print(kind, name string, v any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, err := json.Marshal(map[string]any{kind: name, "event": v})
	if kind == "result" {
		b, err = json.Marshal(map[string]any{"function": name, "result": v})
	}
	if err != nil {
		fmt.Fprintf(p.w, "{\"error\":%q}\n", err.Error())
		return
	}
	fmt.Fprintln(p.w, string(b))
}

// wrap prints every batch a subscription receives, in its AWS shape.
func (p *printer) wrap(sub string, h runtime.Handler) runtime.Handler {
	return runtime.HandlerFunc(func(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
		raw := make([]json.RawMessage, len(recs))
		for i, r := range recs {
			raw[i] = r.Data
		}
		p.print("subscription", sub, map[string]any{"Records": raw})
		failed, err := h.Invoke(ctx, recs)
		if err != nil {
			p.print("subscription", sub, map[string]any{"error": err.Error(), "failedRecord": failed})
		}
		return failed, err
	})
}
