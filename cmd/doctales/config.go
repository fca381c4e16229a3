package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // zone names work where the system has no zoneinfo

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"go.yaml.in/yaml/v3"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/alarm"
	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/mapping"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/postgres"
	"github.com/doctales/doctales/runtime"
	dtsns "github.com/doctales/doctales/sns"
)

// NotificationFilter is the architecture document's filter: only items whose
// new image has metadata.urgency "high" reach the notification function. It
// is defined, with the retry settings, in package mapping, which the SAM
// template's test also reads.
const NotificationFilter = mapping.NotificationFilter

// ObjectCreatedFilter is what the S3 trigger `Events: s3:ObjectCreated:*`
// means as a filter over S3 event records.
const ObjectCreatedFilter = mapping.ObjectCreatedFilter

// Config is the YAML configuration file. Its functions section reads like
// the Events of a SAM template's functions. Zero values take the defaults of
// DefaultConfig.
type Config struct {
	// Data is the folder holding the table (doctales.db) and the objects.
	Data string `yaml:"data"`
	// Addr is the HTTP listen address.
	Addr string `yaml:"addr"`
	// Role is the part of the pipeline this process runs (issue 11):
	// "all" (the default: everything, embedded unless NATS or Postgres is
	// set), "api" (the HTTP API and ingestion), "extraction" or
	// "notification" (those subscriptions). Flag --role. See
	// docs/cluster.md.
	Role string `yaml:"role"`
	// NATS is the NATS server URL of the JetStream event log
	// ("nats://127.0.0.1:4222"); empty keeps the log in SQLite, or in
	// PostgreSQL with Postgres alone. Flag --nats.
	NATS string `yaml:"nats"`
	// NATSMaxAge is the JetStream stream's MaxAge: records older than
	// this are deleted by the server. 0 (the default) keeps them for ever.
	// It is the only bound on how long the content of a deleted
	// communication stays in the records relayed before its delete
	// (docs/cluster.md, "Deletion and retention"); keep it above the
	// longest time a worker may be down, or its records expire unread.
	NATSMaxAge time.Duration `yaml:"natsMaxAge"`
	// NATSConsumers is how the cluster's subscriptions read JetStream:
	// "checkpoint" (the default: each reads the stream after a
	// checkpoint kept in a key-value bucket, and the runtime alone
	// retries and dead-letters) or "durable" (a JetStream durable pull
	// consumer per subscription and partition: acknowledged deliveries,
	// redelivery of what a dead process held, MaxAckPending, a pinned
	// process per partition with standbys, dead letters from
	// max-deliveries advisories). See docs/cluster.md, "Durable
	// consumers".
	NATSConsumers string `yaml:"natsConsumers"`
	// NATSAckWait is the durable consumers' ack wait: how long a record
	// held by a process that died waits before another process gets it.
	// 0 means nats.DefaultAckWait (30s); at least 1s.
	NATSAckWait time.Duration `yaml:"natsAckWait"`
	// Postgres is the PostgreSQL DSN of the table, ledger, dead letters
	// and flow history ("postgres://doctales@db:5432/doctales"); empty
	// keeps them in SQLite in Data. Flag --postgres.
	Postgres string `yaml:"postgres"`
	// S3 is where the objects go: "s3://BUCKET" (AWS, credentials and
	// region from the environment) or "http(s)://HOST:PORT/BUCKET" (an
	// S3-compatible server, path-style). Empty keeps them in Data/objects.
	// Flag --s3.
	S3 string `yaml:"s3"`
	// Partition is "i/n": this process takes partition i of n of its
	// role's subscriptions (runtime.Partition), so that n processes of
	// one role share them. Empty is the whole. Flag --partition.
	Partition string `yaml:"partition"`
	// RelayElection is how often an api process that does not relay
	// tries to become the relay (the PostgreSQL advisory lock
	// postgres.RelayLeaderLockKey), and how often the relaying one checks
	// that it still holds it; a takeover starts within about three times
	// this after the relaying process died. 0 means
	// postgres.DefaultElectionInterval (1s). See docs/cluster.md.
	RelayElection time.Duration `yaml:"relayElection"`
	// Heartbeat is how often a cluster process refreshes its row in the
	// PostgreSQL process registry (postgres.Registration), which `doctales
	// status --postgres` lists; a process not seen for three heartbeats
	// is shown as lost. 0 means postgres.DefaultHeartbeat (5s).
	Heartbeat time.Duration `yaml:"heartbeat"`
	// Advertise is the host:port the process registry gives for this
	// process's /stats, /readyz and /metrics, as other machines reach it
	// (behind NAT, in a container). Empty is the address it listens on,
	// with the machine's name for an unspecified host (0.0.0.0, ::).
	Advertise string `yaml:"advertise"`
	// Env names the environment, as in the bucket name
	// doc-tales-raw-communications-<env>.
	Env string `yaml:"env"`
	// AppName prefixes resource names. Default "doc-tales".
	AppName string `yaml:"appName"`
	// MaxBodyBytes limits a POST /communications body. Default 1 MiB.
	MaxBodyBytes int64 `yaml:"maxBodyBytes"`
	// MaxParseMemory is the memory budget of raw uploads and document
	// parses in flight, in bytes; a raw request that cannot reserve its
	// share is answered 503 with Retry-After. Default
	// httpapi.DefaultMaxParseMemory (512 MiB); flag --max-parse-memory.
	MaxParseMemory int64 `yaml:"maxParseMemory"`
	// ParseMemoryWait is how long a raw request waits for its share of
	// MaxParseMemory before the 503. Default
	// httpapi.DefaultParseMemoryWait (2s).
	ParseMemoryWait time.Duration `yaml:"parseMemoryWait"`
	// ReadHeaderTimeout bounds the reading of a request's headers.
	// Default DefaultReadHeaderTimeout (10s).
	ReadHeaderTimeout time.Duration `yaml:"readHeaderTimeout"`
	// ReadTimeout bounds the reading of a whole request, body included; a
	// raw upload gets its size at httpapi.DefaultMinUploadBytesPerSecond on
	// top, and the live stream is exempt. Default DefaultReadTimeout (30s).
	ReadTimeout time.Duration `yaml:"readTimeout"`
	// IdleTimeout closes a keep-alive connection idle that long. Default
	// DefaultIdleTimeout (120s).
	IdleTimeout time.Duration `yaml:"idleTimeout"`
	// Extractor is the extraction engine: "builtin" (default) or
	// "comprehend" (Amazon Comprehend over the built-in engine; needs AWS
	// credentials, see docs/aws.md).
	Extractor string `yaml:"extractor"`
	// Timezone is the IANA time zone of the person who reads the mail
	// (timezone: Europe/Berlin): "today", "5pm" and business days in the
	// mail are read in it. Empty (the default) reads each message in the
	// zone of its own Date header.
	Timezone string `yaml:"timezone"`
	// Reader is who reads the mail (reader: ["Priya Shah",
	// priya@example.com]): a mailing-list post that names the reader
	// ("Priya - can you confirm by noon tomorrow?") asks the reader, like
	// a person's mail; without it a list post is everyone's. It also tells
	// an ask addressed to someone else ("@Marta can you …", with "Priya -
	// nothing needed from you") from the reader's.
	Reader []string `yaml:"reader"`

	Functions map[string]*FunctionConfig `yaml:"functions"`
	Topic     TopicConfig                `yaml:"topic"`

	// Reminders are how long before a notified item's deadline a
	// reminder is sent (issue 13, "When"), such as [24h, 1h]; each fires
	// once, also across a crash, and not once the item is done or its
	// deadline moved. Empty (the default) sends none.
	Reminders []time.Duration `yaml:"reminders"`
	// Escalation sends an unacknowledged high item again on the next
	// channel (issue 13). Absent, or after 0, escalates nothing.
	Escalation EscalationConfig `yaml:"escalation"`
	// QuietHours are, per channel, the daily window ("22:00-07:00", in
	// timezone) in which that channel is not pushed to: a notification is
	// held until the window ends, or listed in the digest when one is set.
	QuietHours map[string]string `yaml:"quietHours"`
	// Digest sends one summary per period of what matched but was not
	// pushed (held by quiet hours, or matched a rule whose target is
	// "digest").
	Digest DigestConfig `yaml:"digest"`

	// Alarms are evaluated in the process; a change of state goes to the
	// alarms topic, which has the notification topic's subscribers. Absent
	// means alarm.DefaultRules(); an empty list means none.
	Alarms []alarm.Rule `yaml:"alarms"`
	// AlarmInterval is how often alarms are evaluated. Default 5s.
	AlarmInterval time.Duration `yaml:"alarmInterval"`
	// YieldAbove is the ingest rate (communications per second) above which
	// extraction waits YieldPause before each batch, so that accepting goes
	// first. 0 uses DefaultYieldAbove; -1 never yields.
	YieldAbove int `yaml:"yieldAbove"`
	// YieldPause is that wait. 0 uses DefaultYieldPause.
	YieldPause time.Duration `yaml:"yieldPause"`
	// AllowedHosts are host names (optionally "name:port") the server
	// answers to besides IP addresses and localhost; a request whose Host
	// header names anything else is refused with 421, which stops DNS
	// rebinding (issue 17). Add the name you reach the server by, such as
	// "doctales.lan".
	AllowedHosts []string `yaml:"allowedHosts"`
	// CORS lists the other origins whose pages may call the API with a
	// bearer key. Default none: same origin only.
	CORS CORSConfig `yaml:"cors"`
	// RateLimits are the per-caller limits on ingest, reads and sign-in
	// (issue 17); absent fields keep their defaults, 0 switches a limit
	// off.
	RateLimits RateLimitsConfig `yaml:"rateLimits"`

	// LogPII logs notification subjects unredacted. Default false: the
	// PII the extraction engine finds, and people's names (the sender's
	// and those its entity finder sees), are replaced by their type
	// before the subject is cut to length.
	LogPII bool `yaml:"logPII"`
	// Parse says where and under which limits documents are read.
	Parse ParseConfig `yaml:"parse"`

	// Freshness is how old a communication may be, by its own date, and
	// still be pushed when it becomes high (issue 14): an imported mailbox
	// notifies nobody. Default DefaultFreshness; 0 pushes at any age. An
	// import can force it either way (--notify, --no-notify).
	Freshness *Period `yaml:"freshness"`

	// Retain is how long communications are kept, by their own date
	// (retain: 365d): a background sweep in serve deletes older ones as
	// DELETE /communications/{id} does. 0 keeps everything (the default).
	Retain Period `yaml:"retain"`
	// RetainSweepEvery is how often the sweep runs. Default 1h.
	RetainSweepEvery time.Duration `yaml:"retainSweepEvery"`
	// Encryption is the key that encrypts stored objects at rest. Default
	// none: objects are stored in clear.
	Encryption EncryptionConfig `yaml:"encryption"`
}

// CORSConfig is the cross-origin policy of the HTTP API.
type CORSConfig struct {
	// AllowOrigins are origins such as "https://tools.example" given
	// Access-Control-Allow-Origin. "*" allows any page (bearer keys only,
	// as no cookie is sent cross-origin); never needed by the dashboard.
	AllowOrigins []string `yaml:"allowOrigins"`
}

// RateLimitsConfig is the rateLimits section: per-caller token buckets
// (httpapi.RateLimits). A caller is an API key, a session user, or in open
// mode a client address; open mode from loopback is never limited. A nil
// field means its default; 0 switches that limit off.
type RateLimitsConfig struct {
	// IngestPerSecond limits POST /communications per caller, per
	// second. Default httpapi.DefaultIngestPerSecond (1000).
	IngestPerSecond *float64 `yaml:"ingestPerSecond"`
	// IngestBurst is the posts a caller may send at once. Default
	// httpapi.DefaultIngestBurst (2000).
	IngestBurst *int `yaml:"ingestBurst"`
	// ReadPerSecond limits the API's GET routes per caller, per second.
	// Default httpapi.DefaultReadPerSecond (50).
	ReadPerSecond *float64 `yaml:"readPerSecond"`
	// ReadBurst is the reads a caller may send at once. Default
	// httpapi.DefaultReadBurst (200).
	ReadBurst *int `yaml:"readBurst"`
	// SignInPerMinute limits failed sign-ins per user name and per client
	// address, per minute. Default httpapi.DefaultSignInPerMinute (10).
	SignInPerMinute *float64 `yaml:"signInPerMinute"`
}

// limits returns the HTTP API's limits: the defaults, overridden by the
// fields that are set.
func (c RateLimitsConfig) limits() httpapi.RateLimits {
	rl := httpapi.DefaultRateLimits()
	setF := func(dst *float64, v *float64) {
		if v != nil {
			*dst = *v
		}
	}
	setI := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	setF(&rl.IngestPerSecond, c.IngestPerSecond)
	setI(&rl.IngestBurst, c.IngestBurst)
	setF(&rl.ReadPerSecond, c.ReadPerSecond)
	setI(&rl.ReadBurst, c.ReadBurst)
	setF(&rl.SignInPerMinute, c.SignInPerMinute)
	return rl
}

// merge sets the fields o sets.
func (c *RateLimitsConfig) merge(o RateLimitsConfig) {
	for _, p := range []struct{ dst, src **float64 }{{&c.IngestPerSecond, &o.IngestPerSecond}, {&c.ReadPerSecond, &o.ReadPerSecond}, {&c.SignInPerMinute, &o.SignInPerMinute}} {
		if *p.src != nil {
			*p.dst = *p.src
		}
	}
	for _, p := range []struct{ dst, src **int }{{&c.IngestBurst, &o.IngestBurst}, {&c.ReadBurst, &o.ReadBurst}} {
		if *p.src != nil {
			*p.dst = *p.src
		}
	}
}

// validate refuses negative values, naming the field.
func (c RateLimitsConfig) validate() error {
	for _, f := range []struct {
		name string
		v    *float64
	}{{"rateLimits.ingestPerSecond", c.IngestPerSecond}, {"rateLimits.readPerSecond", c.ReadPerSecond}, {"rateLimits.signInPerMinute", c.SignInPerMinute}} {
		if f.v != nil && *f.v < 0 {
			return &ConfigError{f.name, *f.v, "must be 0 (off) or more"}
		}
	}
	for _, f := range []struct {
		name string
		v    *int
	}{{"rateLimits.ingestBurst", c.IngestBurst}, {"rateLimits.readBurst", c.ReadBurst}} {
		if f.v != nil && *f.v < 0 {
			return &ConfigError{f.name, *f.v, "must be 0 (the rate's one second) or more"}
		}
	}
	return nil
}

// FunctionConfig is a function and the events that trigger it.
type FunctionConfig struct {
	// Timeout is the function's timeout in seconds, as SAM's: an invocation
	// that runs longer fails and is retried. Absent means AWS's default,
	// runtime.AWSFunctionDefaultTimeout (3 s), under the AWS semantics, and
	// none under Semantics: local. DefaultConfig sets the template's.
	Timeout *int                    `yaml:"Timeout"`
	Events  map[string]*EventConfig `yaml:"Events"`
}

// EventConfig is one trigger of a function, as in a SAM template.
type EventConfig struct {
	Type       string          `yaml:"Type"` // S3 or DynamoDB
	Properties EventProperties `yaml:"Properties"`
}

// EventProperties are the event source mapping settings of SAM's S3 and
// DynamoDB event types that the local runtime honours.
type EventProperties struct {
	Events         any `yaml:"Events"` // S3: "s3:ObjectCreated:*" or a list
	FilterCriteria struct {
		Filters []struct {
			Pattern string `yaml:"Pattern"`
		} `yaml:"Filters"`
	} `yaml:"FilterCriteria"`
	BatchSize                  int   `yaml:"BatchSize"`
	MaximumRetryAttempts       *int  `yaml:"MaximumRetryAttempts"`
	MaximumRecordAgeInSeconds  *int  `yaml:"MaximumRecordAgeInSeconds"`
	BisectBatchOnFunctionError *bool `yaml:"BisectBatchOnFunctionError"`
	ParallelizationFactor      int   `yaml:"ParallelizationFactor"`
	DestinationConfig          struct {
		OnFailure struct {
			Type        string `yaml:"Type"`
			Destination string `yaml:"Destination"`
		} `yaml:"OnFailure"`
	} `yaml:"DestinationConfig"`
	// RetryBaseDelay is a local extension: the first retry's delay, such as
	// "200ms". For an S3 trigger under the AWS semantics it stands for
	// AWS's one minute (the second retry waits twice as long).
	RetryBaseDelay string `yaml:"RetryBaseDelay"`
	// Semantics is a local extension: "aws" (the default) delivers as AWS
	// Lambda does (see runtime.SemanticsTable and docs/aws.md, "Local vs
	// AWS"); "local" keeps the local runtime's earlier choices (-1 retries
	// means none, S3 records batched in order with fast backoff, downtime
	// counting against the record age, no timeout).
	Semantics string `yaml:"Semantics"`
}

// TopicConfig lists the notification topic's subscriptions.
type TopicConfig struct {
	Subscriptions []TopicSubscription `yaml:"subscriptions"`
	// AllowPrivateTargets are CIDR prefixes ("127.0.0.1/32",
	// "10.1.2.0/24") in the ranges webhooks refuse (loopback, private,
	// link-local, CGNAT, unique-local, metadata; see notify.CheckAddr) that
	// the topic's webhooks may connect to anyway (issue 17). The metadata
	// addresses are allowed only when named as a /32 or /128. Default none.
	// `serve --webhook` adds a literal loopback URL's address by itself.
	AllowPrivateTargets []string `yaml:"allowPrivateTargets"`
}

// allowList parses AllowPrivateTargets, naming the entry that is not a
// prefix.
func (c *TopicConfig) allowList() ([]netip.Prefix, error) {
	for i, e := range c.AllowPrivateTargets {
		if _, err := notify.ParseAllowList([]string{e}); err != nil {
			return nil, &ConfigError{fmt.Sprintf("topic.allowPrivateTargets[%d]", i), e,
				"not a CIDR prefix such as 10.1.2.0/24 or an IP address"}
		}
	}
	return notify.ParseAllowList(c.AllowPrivateTargets)
}

// TopicSubscription is one subscriber of the notification topic.
type TopicSubscription struct {
	Protocol string `yaml:"protocol"` // log, webhook, email, sns
	Endpoint string `yaml:"endpoint"` // webhook URL, the e-mail address, or the SNS topic ARN
	// Secret is the webhook's current HMAC key; empty sends unsigned.
	Secret string `yaml:"secret"`
	// KeyID names Secret in X-Doctales-Key-Id. Default notify.KeyID
	// (a fingerprint of the secret).
	KeyID string `yaml:"keyId"`
	// PreviousSecret, during a rotation, signs too (a second signature),
	// so receivers that know only the old key keep verifying until they
	// have the new one. Remove it when they all do.
	PreviousSecret string `yaml:"previousSecret"`
	// PreviousKeyID names PreviousSecret. Default notify.KeyID.
	PreviousKeyID string `yaml:"previousKeyId"`
	// MaximumRetryAttempts before a delivery to the log is dead-lettered.
	// Default 3. Webhooks retry by their deliveryPolicy instead.
	MaximumRetryAttempts *int `yaml:"maximumRetryAttempts"`
	// SMTP is an email subscription's mail server (protocol: email, the
	// endpoint the person's address, "ann@example.com" or
	// "mailto:ann@example.com" as SNS writes it).
	SMTP *SMTPConfig `yaml:"smtp"`
	// User limits an email or sns subscription to one user's notifications.
	User string `yaml:"user"`
	// DashboardURL is the base of the link an e-mail (or an sns message) gives to the item,
	// "http://127.0.0.1:8080/".
	DashboardURL string `yaml:"dashboardUrl"`
	// Unsubscribe is an e-mail's List-Unsubscribe target (mailto: or
	// https:).
	Unsubscribe string `yaml:"unsubscribe"`
	// SNSEndpoint is the URL of the SNS-compatible server an sns
	// subscription publishes to; empty means AWS's endpoint of the
	// topic ARN's region. Credentials come from the environment as for
	// the AWS CLI (AWS_ACCESS_KEY_ID..., AWS_PROFILE).
	SNSEndpoint string `yaml:"snsEndpoint"`
	// DeliveryPolicy is a webhook's SNS HTTP/S delivery policy, with SNS's
	// field names (healthyRetryPolicy, throttlePolicy, requestPolicy), so
	// an SNS policy's JSON can be pasted. Absent means
	// runtime.NewDeliveryPolicy: retries for about 53 minutes.
	DeliveryPolicy *runtime.DeliveryPolicy `yaml:"deliveryPolicy"`
}

// SMTPConfig is the mail server of an email subscription.
type SMTPConfig struct {
	Host string `yaml:"host"`
	// Port defaults to 587 (465 with tls: tls, 25 with tls: none).
	Port int `yaml:"port"`
	// Username and Password authenticate; the password belongs in the
	// environment: password: ${SMTP_PASSWORD}.
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// TLS is required (STARTTLS, the default), opportunistic, tls
	// (implicit, port 465) or none.
	TLS string `yaml:"tls"`
	// From is the sender, "Doc-Tales <doctales@example.com>".
	From string `yaml:"from"`
	// CAFile is a PEM file of the certificate authorities that may sign
	// the server's certificate (default: the system's).
	CAFile string `yaml:"caFile"`
}

// email returns the notify.Email of an email subscription; loc is the
// person's time zone for deadlines.
func (c *TopicConfig) email(s *TopicSubscription, loc *time.Location) (*notify.Email, error) {
	if s.SMTP == nil {
		return nil, errors.New("an email subscription needs smtp: (host, from)")
	}
	e := &notify.Email{
		Host: s.SMTP.Host, Port: s.SMTP.Port, Username: s.SMTP.Username, Password: doctales.Secret(s.SMTP.Password),
		TLS: s.SMTP.TLS, From: s.SMTP.From, To: strings.TrimPrefix(s.Endpoint, "mailto:"), User: s.User,
		DashboardURL: s.DashboardURL, Unsubscribe: s.Unsubscribe, Location: loc,
	}
	if s.SMTP.CAFile != "" {
		pem, err := os.ReadFile(s.SMTP.CAFile)
		if err != nil {
			return nil, fmt.Errorf("smtp.caFile: %w", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("smtp.caFile %s holds no PEM certificate", s.SMTP.CAFile)
		}
		e.TLSConfig = &tls.Config{RootCAs: roots, ServerName: s.SMTP.Host, MinVersion: tls.VersionTLS12}
	}
	return e, e.Validate()
}

// sns returns the notify.SNSChannel of an sns subscription of topic: a
// publisher to the topic ARN in Endpoint through the SDK, on SNSEndpoint
// when set, in the ARN's region. The SDK does not retry: the
// subscription's delivery policy does, so a failing topic is retried on
// its own schedule and dead-lettered on its own.
func (c *TopicConfig) sns(s *TopicSubscription, loc *time.Location) (*notify.SNSChannel, error) {
	ch := &notify.SNSChannel{TopicARN: s.Endpoint, User: s.User, DashboardURL: s.DashboardURL, Location: loc}
	parts := strings.Split(s.Endpoint, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sns" || parts[3] == "" || parts[5] == "" {
		return nil, fmt.Errorf("sns: endpoint %q is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)", s.Endpoint)
	}
	if s.SNSEndpoint != "" {
		if u, err := url.Parse(s.SNSEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("sns: snsEndpoint %q is not an http(s) URL", s.SNSEndpoint)
		}
	}
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(parts[3]), awsconfig.WithRetryMaxAttempts(1)}
	if s.SNSEndpoint != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(s.SNSEndpoint))
	}
	cfg, err := awsconfig.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		return nil, fmt.Errorf("sns: load AWS configuration: %w", err)
	}
	ch.Topic = dtsns.NewTopic(awssns.NewFromConfig(cfg), s.Endpoint)
	return ch, ch.Validate()
}

// signingKeys returns the webhook's keys, current first.
func (s *TopicSubscription) signingKeys() []notify.SigningKey {
	var keys []notify.SigningKey
	for _, k := range []struct{ id, secret string }{{s.KeyID, s.Secret}, {s.PreviousKeyID, s.PreviousSecret}} {
		if k.secret == "" {
			continue
		}
		if k.id == "" {
			k.id = notify.KeyID(k.secret)
		}
		keys = append(keys, notify.SigningKey{ID: k.id, Secret: doctales.Secret(k.secret)})
	}
	return keys
}

// webhook returns the notify.Webhook of a webhook subscription of topic.
func (c *TopicConfig) webhook(s *TopicSubscription) (*notify.Webhook, error) {
	allow, err := c.allowList()
	if err != nil {
		return nil, err
	}
	return &notify.Webhook{URL: s.Endpoint, Keys: s.signingKeys(), AllowPrivate: allow,
		ContentType: s.Policy().RequestPolicy.HeaderContentType}, nil
}

// Policy returns the delivery policy of a webhook subscription: the
// configured one with SNS's defaults for what it leaves out, or the local
// default.
func (s *TopicSubscription) Policy() *runtime.DeliveryPolicy {
	if s.DeliveryPolicy == nil {
		return runtime.NewDeliveryPolicy()
	}
	p := s.DeliveryPolicy.WithDefaults()
	return &p
}

// Default time-outs of the HTTP server (issue 10: slow request bodies were
// held open for ever).
const (
	// DefaultReadHeaderTimeout bounds the reading of a request's headers
	// (10 s).
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultReadTimeout bounds the reading of a whole request (30 s): a
	// 1 MiB JSON body then needs 35 KB/s. Raw uploads get more time by
	// their size (httpapi.DefaultMinUploadBytesPerSecond); the live stream
	// has none.
	DefaultReadTimeout = 30 * time.Second
	// DefaultIdleTimeout closes keep-alive connections idle for 120 s.
	DefaultIdleTimeout = 120 * time.Second
)

// MinNATSMaxAge is natsMaxAge's least non-zero value: above JetStream's
// duplicate window (2 minutes), which the relay relies on, with room for
// a worker's restart.
const MinNATSMaxAge = time.Hour

// The values of natsConsumers.
const (
	NATSConsumersCheckpoint = "checkpoint"
	NATSConsumersDurable    = "durable"
)

// MinParseMemory is the smallest memory budget accepted, in bytes (1 MiB).
const MinParseMemory = 1 << 20

// The bounds of relayElection: tried more often than each 100 ms, the
// lock is a load on PostgreSQL for nothing; less often than each minute,
// the outbox waits minutes after its relay died.
const (
	MinRelayElection = 100 * time.Millisecond
	MaxRelayElection = time.Minute
)

// The bounds of heartbeat: more often than each 100 ms, the registry is a
// load on PostgreSQL for nothing; less often than each minute, a dead
// process is listed as running for minutes.
const (
	MinHeartbeat = 100 * time.Millisecond
	MaxHeartbeat = time.Minute
)

// Extraction engines.
const (
	ExtractorBuiltin    = "builtin"
	ExtractorComprehend = "comprehend"
)

// Function names in the configuration.
const (
	FuncExtraction   = "extraction"
	FuncNotification = "notification"
)

// DefaultConfig returns the configuration of `doctales serve` without a
// file: the architecture document's wiring on embedded defaults, with the
// event source mappings of package mapping (the SAM template's values).
func DefaultConfig() Config {
	return Config{
		Data:         "./data",
		Addr:         "127.0.0.1:8080",
		Env:          "dev",
		AppName:      "doc-tales",
		MaxBodyBytes: 1 << 20,
		// The HTTP edge's limits (issue 10).
		MaxParseMemory:    httpapi.DefaultMaxParseMemory,
		ParseMemoryWait:   httpapi.DefaultParseMemoryWait,
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		ReadTimeout:       DefaultReadTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		Functions: map[string]*FunctionConfig{
			FuncExtraction: {Timeout: ptr(ExtractionTimeoutSeconds), Events: map[string]*EventConfig{
				"RawCommunications": {Type: "S3", Properties: eventProperties(mapping.Extraction(), mapping.ObjectCreatedEvents)},
			}},
			FuncNotification: {Timeout: ptr(NotificationTimeoutSeconds), Events: map[string]*EventConfig{
				"CommunicationsStream": {Type: "DynamoDB", Properties: eventProperties(mapping.Notification(), nil)},
			}},
		},
		Topic:         TopicConfig{Subscriptions: []TopicSubscription{{Protocol: "log"}}},
		Alarms:        alarm.DefaultRules(),
		AlarmInterval: 5 * time.Second,
	}
}

// The functions' timeouts in deploy/sam/template.yaml (ExtractionFunction,
// NotificationFunction), in seconds: the local runtime's by default.
const (
	ExtractionTimeoutSeconds   = 60
	NotificationTimeoutSeconds = 30
)

func ptr[T any](v T) *T { return &v }

// DefaultFreshness is how old a communication may be and still be pushed.
const DefaultFreshness = 72 * time.Hour

// FreshnessWindow returns the freshness window in force.
func (c *Config) FreshnessWindow() time.Duration {
	if c.Freshness == nil {
		return DefaultFreshness
	}
	return time.Duration(*c.Freshness)
}

// eventProperties returns the SAM-style properties of an event source
// mapping. An S3 trigger names its events (s3Events) instead of filters.
func eventProperties(m mapping.EventSourceMapping, s3Events any) EventProperties {
	retries, age, bisect := m.MaximumRetryAttempts, m.MaximumRecordAgeInSeconds, m.BisectBatchOnFunctionError
	p := EventProperties{
		Events:                     s3Events,
		BatchSize:                  m.BatchSize,
		MaximumRetryAttempts:       &retries,
		MaximumRecordAgeInSeconds:  &age,
		BisectBatchOnFunctionError: &bisect,
		ParallelizationFactor:      m.ParallelizationFactor,
	}
	if s3Events == nil {
		for _, f := range m.Filters {
			p.FilterCriteria.Filters = append(p.FilterCriteria.Filters, struct {
				Pattern string `yaml:"Pattern"`
			}{f})
		}
	}
	return p
}

// ReadConfig reads a YAML file over DefaultConfig, expanding environment
// variables such as ${WEBHOOK_URL} in it. Unknown keys are errors, and so
// is a variable that is not set (see checkEnv).
func ReadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("read config: %w", err)
	}
	if err := checkEnv(data); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	dec := yaml.NewDecoder(strings.NewReader(os.ExpandEnv(string(data))))
	dec.KnownFields(true)
	// Functions named in the file replace the default ones whole.
	var file Config
	if err := dec.Decode(&file); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	override(&cfg.Data, file.Data)
	override(&cfg.Addr, file.Addr)
	override(&cfg.Env, file.Env)
	override(&cfg.Role, file.Role)
	override(&cfg.NATS, file.NATS)
	override(&cfg.NATSMaxAge, file.NATSMaxAge)
	override(&cfg.NATSConsumers, file.NATSConsumers)
	override(&cfg.NATSAckWait, file.NATSAckWait)
	override(&cfg.Postgres, file.Postgres)
	if file.S3 != "" {
		cfg.S3 = file.S3
	}
	override(&cfg.Partition, file.Partition)
	override(&cfg.RelayElection, file.RelayElection)
	override(&cfg.Heartbeat, file.Heartbeat)
	override(&cfg.Advertise, file.Advertise)
	override(&cfg.AppName, file.AppName)
	override(&cfg.MaxBodyBytes, file.MaxBodyBytes)
	override(&cfg.MaxParseMemory, file.MaxParseMemory)
	override(&cfg.ParseMemoryWait, file.ParseMemoryWait)
	override(&cfg.ReadHeaderTimeout, file.ReadHeaderTimeout)
	override(&cfg.ReadTimeout, file.ReadTimeout)
	override(&cfg.IdleTimeout, file.IdleTimeout)
	override(&cfg.Extractor, file.Extractor)
	override(&cfg.Timezone, file.Timezone)
	if len(file.Reader) > 0 {
		cfg.Reader = file.Reader
	}
	for name, fn := range file.Functions {
		cfg.Functions[name] = fn
	}
	if file.Topic.Subscriptions != nil {
		cfg.Topic.Subscriptions = file.Topic.Subscriptions
	}
	if file.Topic.AllowPrivateTargets != nil {
		cfg.Topic.AllowPrivateTargets = file.Topic.AllowPrivateTargets
	}
	if file.Reminders != nil {
		cfg.Reminders = file.Reminders
	}
	if file.Escalation.After != 0 || file.Escalation.Channels != nil {
		cfg.Escalation = file.Escalation
	}
	if file.QuietHours != nil {
		cfg.QuietHours = file.QuietHours
	}
	if file.Digest != (DigestConfig{}) {
		cfg.Digest = file.Digest
	}
	if file.Alarms != nil {
		cfg.Alarms = file.Alarms
	}
	override(&cfg.AlarmInterval, file.AlarmInterval)
	if file.Freshness != nil {
		cfg.Freshness = file.Freshness
	}
	override(&cfg.Retain, file.Retain)
	override(&cfg.RetainSweepEvery, file.RetainSweepEvery)
	if file.AllowedHosts != nil {
		cfg.AllowedHosts = file.AllowedHosts
	}
	if file.CORS.AllowOrigins != nil {
		cfg.CORS = file.CORS
	}
	cfg.RateLimits.merge(file.RateLimits)
	cfg.LogPII = cfg.LogPII || file.LogPII
	override(&cfg.YieldAbove, file.YieldAbove)
	override(&cfg.YieldPause, file.YieldPause)
	cfg.Parse.merge(file.Parse)
	if file.Encryption.set() {
		cfg.Encryption = file.Encryption
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// checkEnv refuses a configuration that names an environment variable that
// is not set, naming the variable and the setting (issue 10: a webhook
// secret from an unset variable silently meant unsigned deliveries). A
// variable set to the empty string is accepted, as if the setting were
// absent, except in a secret: an empty secret from the environment is
// almost always a missing one, and the way to send unsigned is to leave
// the secret out. A file that is not valid YAML is left to the decoder's
// error.
func checkEnv(data []byte) error {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return nil
	}
	var walk func(n *yaml.Node, path string) error
	walk = func(n *yaml.Node, path string) error {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				if err := walk(c, path); err != nil {
					return err
				}
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				field := n.Content[i].Value
				if path != "" {
					field = path + "." + field
				}
				if err := walk(n.Content[i+1], field); err != nil {
					return err
				}
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				if err := walk(c, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		case yaml.ScalarNode:
			var err error
			os.Expand(n.Value, func(name string) string {
				v, ok := os.LookupEnv(name)
				switch {
				case err != nil:
				case !ok:
					err = &ConfigError{path, n.Value, fmt.Sprintf("environment variable %s is not set", name)}
				case v == "" && strings.HasSuffix(strings.ToLower(path), "secret"):
					err = &ConfigError{path, n.Value, fmt.Sprintf("environment variable %s is empty; leave the secret out to send unsigned", name)}
				}
				return v
			})
			return err
		}
		return nil
	}
	return walk(&doc, "")
}

// Location returns the time zone of Timezone, nil when it is empty, or a
// ConfigError naming the field when the zone is unknown.
func (c *Config) Location() (*time.Location, error) {
	return loadTimezone("timezone", c.Timezone)
}

// loadTimezone returns the IANA time zone name (nil for ""), or a
// ConfigError naming field and the value.
func loadTimezone(field, name string) (*time.Location, error) {
	if name == "" {
		return nil, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, &ConfigError{field, name, "unknown time zone; use an IANA name such as Europe/Berlin or America/New_York, or UTC"}
	}
	return loc, nil
}

// EscalationConfig is "escalate until acknowledged": a high item not
// read, done or acknowledged through its ack link After its notification
// is sent again on Channels[0], After later on Channels[1], and so on.
type EscalationConfig struct {
	After    time.Duration `yaml:"after"`
	Channels []string      `yaml:"channels"`
}

// DigestConfig is `digest: {every: 24h, at: "08:00", channel: email}`:
// every 24h (or 1h, …) at that time of day in timezone, one message on
// channel.
type DigestConfig struct {
	Every   time.Duration `yaml:"every"`
	At      string        `yaml:"at"`
	Channel string        `yaml:"channel"`
}

// when returns the notify.When settings of the configuration: reminders,
// escalation, quiet hours and digest (validated by Validate).
func (c *Config) when() (*notify.When, error) {
	loc, err := c.Location()
	if err != nil {
		return nil, err
	}
	w := &notify.When{Reminders: c.Reminders, Location: loc, Channels: c.Channels(),
		Escalation: notify.EscalationPolicy{After: c.Escalation.After, Channels: c.Escalation.Channels}}
	for ch, s := range c.QuietHours {
		q, err := notify.ParseQuietHours(s)
		if err != nil {
			return nil, &ConfigError{"quietHours." + ch, s, err.Error()}
		}
		if w.QuietHours == nil {
			w.QuietHours = map[string]notify.QuietHours{}
		}
		w.QuietHours[ch] = q
	}
	if c.Digest.Every > 0 {
		at := 0
		if c.Digest.At != "" {
			if at, err = notify.ParseClock(c.Digest.At); err != nil {
				return nil, &ConfigError{"digest.at", c.Digest.At, err.Error()}
			}
		}
		w.Digest = notify.DigestPolicy{Every: c.Digest.Every, At: at, Channel: c.Digest.Channel}
	}
	return w, nil
}

// whenOn reports whether any of reminders, escalation, quiet hours or
// digest is configured.
func (c *Config) whenOn() bool {
	return len(c.Reminders) > 0 || c.Escalation.After > 0 || len(c.QuietHours) > 0 || c.Digest.Every > 0
}

// validateWhen checks reminders, escalation, quiet hours and digest,
// naming the field and value.
func (c *Config) validateWhen() error {
	for i, d := range c.Reminders {
		if d <= 0 || d > doctales.MaxSnooze {
			return &ConfigError{fmt.Sprintf("reminders[%d]", i), d, "must be a positive duration of at most 366 days, such as 24h or 1h"}
		}
	}
	e := c.Escalation
	switch {
	case e.After < 0:
		return &ConfigError{"escalation.after", e.After, "must not be negative"}
	case e.After > 0 && e.After < time.Second:
		return &ConfigError{"escalation.after", e.After, "must be at least 1s"}
	case e.After > 0 && len(e.Channels) == 0:
		return &ConfigError{"escalation.channels", "[]", "escalation.after needs the channels to send on in turn, such as [email, webhook]"}
	}
	known := []string{doctales.ChannelBrowser, doctales.ChannelLog, doctales.ChannelWebhook, doctales.ChannelEmail, doctales.ChannelSNS}
	for i, ch := range e.Channels {
		if !slices.Contains(known, ch) {
			return &ConfigError{fmt.Sprintf("escalation.channels[%d]", i), ch, "unknown channel; known: " + strings.Join(known, ", ")}
		}
	}
	for ch, s := range c.QuietHours {
		if !slices.Contains(known, ch) {
			return &ConfigError{"quietHours." + ch, s, "unknown channel; known: " + strings.Join(known, ", ")}
		}
		if _, err := notify.ParseQuietHours(s); err != nil {
			return &ConfigError{"quietHours." + ch, s, err.Error()}
		}
	}
	d := c.Digest
	switch {
	case d.Every < 0:
		return &ConfigError{"digest.every", d.Every, "must not be negative"}
	case d.Every == 0 && (d.At != "" || d.Channel != ""):
		return &ConfigError{"digest.every", d.Every, "is needed with digest.at and digest.channel, such as 24h or 1h"}
	case d.Every == 0:
		return nil
	case d.Every < time.Minute || d.Every > 7*24*time.Hour:
		return &ConfigError{"digest.every", d.Every, "must be from 1m to 168h, such as 24h or 1h"}
	case !slices.Contains(known, d.Channel) || d.Channel == doctales.ChannelBrowser:
		return &ConfigError{"digest.channel", d.Channel, "must be one of log, webhook, email, sns"}
	}
	if d.At != "" {
		if _, err := notify.ParseClock(d.At); err != nil {
			return &ConfigError{"digest.at", d.At, err.Error()}
		}
	}
	return nil
}

// ConfigError names the setting at fault and its value.
type ConfigError struct {
	Field string
	Value any
	Msg   string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s: %s (value %v)", e.Field, e.Msg, e.Value)
}

// Validate checks the settings that are not checked when subscriptions are
// built.
func (c *Config) Validate() error {
	if err := c.RateLimits.validate(); err != nil {
		return err
	}
	if err := c.validateWhen(); err != nil {
		return err
	}
	if c.MaxBodyBytes < 1 || c.MaxBodyBytes > 64<<20 {
		return &ConfigError{"maxBodyBytes", c.MaxBodyBytes, "must be between 1 and 67108864 bytes"}
	}
	if c.MaxParseMemory < MinParseMemory {
		return &ConfigError{"maxParseMemory", c.MaxParseMemory, fmt.Sprintf("must be at least %d bytes (1 MiB)", MinParseMemory)}
	}
	if c.NATSMaxAge < 0 || (c.NATSMaxAge > 0 && c.NATSMaxAge < MinNATSMaxAge) {
		return &ConfigError{"natsMaxAge", c.NATSMaxAge, fmt.Sprintf("must be 0 (keep the records for ever) or at least %s, such as 720h", MinNATSMaxAge)}
	}
	switch c.NATSConsumers {
	case "", NATSConsumersCheckpoint, NATSConsumersDurable:
	default:
		return &ConfigError{"natsConsumers", c.NATSConsumers, "use checkpoint (the default) or durable"}
	}
	if c.NATSAckWait != 0 && (c.NATSAckWait < time.Second || c.NATSAckWait > time.Hour) {
		return &ConfigError{"natsAckWait", c.NATSAckWait, "must be from 1s to 1h (0: the default, 30s)"}
	}
	if c.RelayElection != 0 && (c.RelayElection < MinRelayElection || c.RelayElection > MaxRelayElection) {
		return &ConfigError{"relayElection", c.RelayElection, fmt.Sprintf("must be from %s to %s (0: the default, %s)", MinRelayElection, MaxRelayElection, postgres.DefaultElectionInterval)}
	}
	if c.Heartbeat != 0 && (c.Heartbeat < MinHeartbeat || c.Heartbeat > MaxHeartbeat) {
		return &ConfigError{"heartbeat", c.Heartbeat, fmt.Sprintf("must be from %s to %s (0: the default, %s)", MinHeartbeat, MaxHeartbeat, postgres.DefaultHeartbeat)}
	}
	if c.Advertise != "" {
		if host, port, err := net.SplitHostPort(c.Advertise); err != nil || host == "" || port == "" {
			return &ConfigError{"advertise", c.Advertise, "must be host:port, as other machines reach this process (e.g. worker-1.internal:8091)"}
		}
	}
	if c.ParseMemoryWait < 0 || c.ParseMemoryWait > time.Minute {
		return &ConfigError{"parseMemoryWait", c.ParseMemoryWait, "must be from 0s to 1m"}
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"readHeaderTimeout", c.ReadHeaderTimeout}, {"readTimeout", c.ReadTimeout}, {"idleTimeout", c.IdleTimeout}} {
		if d.v < 10*time.Millisecond {
			return &ConfigError{d.field, d.v, "must be at least 10ms"}
		}
	}
	switch c.Extractor {
	case "", ExtractorBuiltin, ExtractorComprehend:
	default:
		return &ConfigError{"extractor", c.Extractor, "unknown extractor; known: builtin, comprehend"}
	}
	if _, err := c.Location(); err != nil {
		return err
	}
	for i := range c.Alarms {
		if err := c.Alarms[i].Validate(); err != nil {
			return &ConfigError{fmt.Sprintf("alarms[%d].%s", i, doctales.ErrorField(err)), c.Alarms[i].Name, doctales.ErrorMessage(err)}
		}
	}
	if err := c.Parse.validate(); err != nil {
		return err
	}
	if c.Freshness != nil && *c.Freshness < 0 {
		return &ConfigError{"freshness", *c.Freshness, "must be 0 (push at any age) or a period such as 72h or 3d"}
	}
	if c.Retain < 0 || (c.Retain > 0 && time.Duration(c.Retain) < time.Hour) {
		return &ConfigError{"retain", c.Retain, "must be 0 (keep everything) or at least 1h, such as 365d"}
	}
	if c.RetainSweepEvery < 0 || (c.RetainSweepEvery > 0 && c.RetainSweepEvery < 10*time.Millisecond) {
		return &ConfigError{"retainSweepEvery", c.RetainSweepEvery, "must be at least 10ms, such as 1h"}
	}
	if err := c.Encryption.validate(); err != nil {
		return err
	}
	if c.AlarmInterval < 10*time.Millisecond {
		return &ConfigError{"alarmInterval", c.AlarmInterval, "must be at least 10ms"}
	}
	for name := range c.Functions {
		if name != FuncExtraction && name != FuncNotification {
			return &ConfigError{"functions." + name, name, "unknown function; known: extraction, notification"}
		}
	}
	allow, err := c.Topic.allowList()
	if err != nil {
		return err
	}
	for i, s := range c.Topic.Subscriptions {
		switch s.Protocol {
		case "log":
		case "webhook":
			if !strings.HasPrefix(s.Endpoint, "http://") && !strings.HasPrefix(s.Endpoint, "https://") {
				return &ConfigError{fmt.Sprintf("topic.subscriptions[%d].endpoint", i), s.Endpoint, "a webhook needs an http:// or https:// URL"}
			}
			if err := checkLiteralTarget(s.Endpoint, allow); err != nil {
				return &ConfigError{fmt.Sprintf("topic.subscriptions[%d].endpoint", i), s.Endpoint, err.Error()}
			}
			if s.PreviousSecret != "" && s.Secret == "" {
				return &ConfigError{fmt.Sprintf("topic.subscriptions[%d].previousSecret", i), "REDACTED",
					"a previous secret needs a current one in secret"}
			}
			if keys := s.signingKeys(); len(keys) == 2 && keys[0].ID == keys[1].ID {
				return &ConfigError{fmt.Sprintf("topic.subscriptions[%d].previousKeyId", i), keys[1].ID,
					"the previous key needs an id other than the current key's"}
			}
			if s.MaximumRetryAttempts != nil {
				return &ConfigError{fmt.Sprintf("topic.subscriptions[%d].maximumRetryAttempts", i), *s.MaximumRetryAttempts,
					"a webhook retries by its delivery policy; set deliveryPolicy.healthyRetryPolicy.numRetries instead"}
			}
			if err := s.Policy().Validate(); err != nil {
				return &ConfigError{fmt.Sprintf("topic.subscriptions[%d].deliveryPolicy.%s", i, doctales.ErrorField(err)),
					policyValue(s.Policy(), doctales.ErrorField(err)), doctales.ErrorMessage(err)}
			}
		case "email":
			if _, err := c.Topic.email(&s, time.UTC); err != nil {
				return &ConfigError{fmt.Sprintf("topic.subscriptions[%d]", i), s.Endpoint, err.Error()}
			}
			if err := s.Policy().Validate(); err != nil {
				return &ConfigError{fmt.Sprintf("topic.subscriptions[%d].deliveryPolicy.%s", i, doctales.ErrorField(err)),
					policyValue(s.Policy(), doctales.ErrorField(err)), doctales.ErrorMessage(err)}
			}
		case "sns":
			if _, err := c.Topic.sns(&s, time.UTC); err != nil {
				return &ConfigError{fmt.Sprintf("topic.subscriptions[%d]", i), s.Endpoint, err.Error()}
			}
			if err := s.Policy().Validate(); err != nil {
				return &ConfigError{fmt.Sprintf("topic.subscriptions[%d].deliveryPolicy.%s", i, doctales.ErrorField(err)),
					policyValue(s.Policy(), doctales.ErrorField(err)), doctales.ErrorMessage(err)}
			}
		default:
			return &ConfigError{fmt.Sprintf("topic.subscriptions[%d].protocol", i), s.Protocol, "unknown protocol; known: log, webhook, email, sns"}
		}
	}
	return nil
}

// checkLiteralTarget refuses a webhook URL whose host is an IP address (or
// localhost) in a range webhooks refuse and allow does not name, so that
// such a configuration fails at start rather than dead-letters every
// notification. Names are resolved, and checked, when each delivery dials.
func checkLiteralTarget(endpoint string, allow []netip.Prefix) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil // left to notify.Webhook.Validate
	}
	host := u.Hostname()
	addrs := []netip.Addr{}
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = append(addrs, a)
	} else if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		addrs = append(addrs, netip.MustParseAddr("127.0.0.1"))
	}
	for _, a := range addrs {
		if err := notify.CheckAddr(host, a, allow); err != nil {
			return err
		}
	}
	return nil
}

// policyValue returns the value of the delivery policy field named by its
// SNS path, for a ConfigError.
func policyValue(p *runtime.DeliveryPolicy, field string) any {
	h := &p.HealthyRetryPolicy
	switch field {
	case "healthyRetryPolicy.numRetries":
		return h.NumRetries
	case "healthyRetryPolicy.numNoDelayRetries":
		return h.NumNoDelayRetries
	case "healthyRetryPolicy.numMinDelayRetries":
		return h.NumMinDelayRetries
	case "healthyRetryPolicy.numMaxDelayRetries":
		return h.NumMaxDelayRetries
	case "healthyRetryPolicy.minDelayTarget":
		return h.MinDelayTarget
	case "healthyRetryPolicy.maxDelayTarget":
		return h.MaxDelayTarget
	case "healthyRetryPolicy.backoffFunction":
		return h.BackoffFunction
	case "throttlePolicy.maxReceivesPerSecond":
		return p.ThrottlePolicy.MaxReceivesPerSecond
	case "requestPolicy.headerContentType":
		return p.RequestPolicy.HeaderContentType
	}
	return nil
}

// BucketName is the raw bucket's name.
func (c *Config) BucketName() string { return c.AppName + "-raw-communications-" + c.Env }

// TableName is the communications table's name.
func (c *Config) TableName() string { return c.AppName + "-communications-" + c.Env }

// AlarmTopicName is the alarms topic's name.
func (c *Config) AlarmTopicName() string { return c.AppName + "-alarms-" + c.Env }

// Channels returns the channel names a rule's targets may hold here
// (issue 13): "browser" (the dashboard's live stream) always, and "log",
// "webhook" and "email" when the topic has a subscriber of that protocol.
func (c *Config) Channels() []string {
	out := []string{doctales.ChannelBrowser}
	for _, ch := range []string{doctales.ChannelLog, doctales.ChannelWebhook, doctales.ChannelEmail, doctales.ChannelSNS} {
		for _, s := range c.Topic.Subscriptions {
			if s.Protocol == ch {
				out = append(out, ch)
				break
			}
		}
	}
	if c.Digest.Every > 0 {
		out = append(out, notify.TargetDigest) // a rule may send to the digest alone
	}
	return out
}

// TopicName is the notification topic's name.
func (c *Config) TopicName() string { return c.AppName + "-notifications-" + c.Env }

// subscriptions turns a function's events into runtime subscriptions for
// handler h. S3 events read the S3 source, DynamoDB events the table
// stream.
func (fc *FunctionConfig) subscriptions(function string, h func(typ string) (runtime.Handler, error)) ([]runtime.Subscription, error) {
	var subs []runtime.Subscription
	for name, ev := range fc.Events {
		field := fmt.Sprintf("functions.%s.Events.%s", function, name)
		p := ev.Properties
		s := runtime.Subscription{
			Name:        function,
			BatchSize:   p.BatchSize,
			Concurrency: p.ParallelizationFactor,
			Semantics:   p.Semantics,
		}
		switch p.Semantics {
		case "", runtime.SemanticsAWS, runtime.SemanticsLocal:
		default:
			return nil, &ConfigError{field + ".Properties.Semantics", p.Semantics, "not aws or local"}
		}
		if fc.Timeout != nil {
			if *fc.Timeout < 1 || time.Duration(*fc.Timeout)*time.Second > runtime.AWSFunctionMaxTimeout {
				return nil, &ConfigError{"functions." + function + ".Timeout", *fc.Timeout, "not 1..900 seconds"}
			}
			s.Timeout = time.Duration(*fc.Timeout) * time.Second
		}
		if len(fc.Events) > 1 {
			s.Name = function + "/" + name
		}
		switch ev.Type {
		case "S3":
			s.Source = doctales.SourceS3
			pats, err := s3EventFilters(p.Events)
			if err != nil {
				return nil, &ConfigError{field + ".Properties.Events", p.Events, err.Error()}
			}
			s.Filters = pats
		case "DynamoDB":
			s.Source = doctales.SourceDynamoDB
		default:
			return nil, &ConfigError{field + ".Type", ev.Type, "unknown event type; known: S3, DynamoDB"}
		}
		for _, f := range p.FilterCriteria.Filters {
			s.Filters = append(s.Filters, f.Pattern)
		}
		if p.MaximumRetryAttempts != nil {
			s.MaxRetryAttempts = *p.MaximumRetryAttempts
			switch {
			case s.MaxRetryAttempts == 0:
				s.MaxRetryAttempts = runtime.NoRetries
			case s.MaxRetryAttempts == -1 && p.Semantics == runtime.SemanticsLocal:
				s.MaxRetryAttempts = runtime.NoRetries // the local meaning of -1
			}
			// Otherwise -1 is runtime.RetryUntilExpired, as on AWS.
		}
		if p.MaximumRecordAgeInSeconds != nil {
			s.MaxRecordAge = time.Duration(*p.MaximumRecordAgeInSeconds) * time.Second
			if *p.MaximumRecordAgeInSeconds == -1 {
				s.MaxRecordAge = -1
			}
		}
		if p.BisectBatchOnFunctionError != nil {
			s.BisectOnError = *p.BisectBatchOnFunctionError
		}
		if p.RetryBaseDelay != "" {
			d, err := time.ParseDuration(p.RetryBaseDelay)
			if err != nil || d <= 0 {
				return nil, &ConfigError{field + ".Properties.RetryBaseDelay", p.RetryBaseDelay, "not a positive duration such as 200ms"}
			}
			s.RetryBaseDelay = d
		}
		handler, err := h(ev.Type)
		if err != nil {
			return nil, &ConfigError{field + ".Type", ev.Type, err.Error()}
		}
		s.Handler = handler
		subs = append(subs, s)
	}
	return subs, nil
}

// s3EventFilters turns SAM's S3 `Events` (s3:ObjectCreated:*,
// s3:ObjectCreated:Put, ...) into filter patterns over the record's
// eventName.
func s3EventFilters(v any) ([]string, error) {
	var names []string
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		names = []string{v}
	case []any:
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("S3 event names must be strings")
			}
			names = append(names, s)
		}
	default:
		return nil, fmt.Errorf("S3 Events must be a string or a list of strings")
	}
	var prefixes, exact []string
	for _, n := range names {
		name, ok := strings.CutPrefix(n, "s3:")
		if !ok {
			return nil, fmt.Errorf("S3 event %q does not start with %q", n, "s3:")
		}
		if p, ok := strings.CutSuffix(name, "*"); ok {
			prefixes = append(prefixes, fmt.Sprintf(`{"prefix":%q}`, p))
		} else {
			exact = append(exact, fmt.Sprintf("%q", name))
		}
	}
	all := append(prefixes, exact...)
	return []string{`{"eventName":[` + strings.Join(all, ",") + `]}`}, nil
}

// override sets *dst to v when the configuration file gave v (not the
// zero value): a file's setting replaces the default, an absent one keeps
// it.
func override[T comparable](dst *T, v T) {
	var zero T
	if v != zero {
		*dst = v
	}
}
