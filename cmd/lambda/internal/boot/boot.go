// Package boot is what the Lambda binaries under cmd/lambda share: it reads
// their settings from the environment the SAM template sets, loads the AWS
// configuration and builds the adapters. Each binary adds only what its
// function needs, so the API and notification binaries do not link the
// extraction engine.
package boot

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/s3"
	"github.com/doctales/doctales/sandbox"
	"github.com/doctales/doctales/sns"
)

// Environment variables of the functions. The first five are the original
// system's names.
const (
	EnvEnvironment     = "ENVIRONMENT"
	EnvAppName         = "APP_NAME"
	EnvTable           = "COMMUNICATIONS_TABLE"
	EnvBucket          = "RAW_BUCKET"
	EnvTopicARN        = "NOTIFICATION_TOPIC_ARN"
	EnvLedgerTable     = "LEDGER_TABLE"
	EnvLedgerTTLDays   = "LEDGER_TTL_DAYS"
	EnvExtractor       = "DOCTALES_EXTRACTOR" // builtin (default) or comprehend
	EnvMaxBodyBytes    = "DOCTALES_MAX_BODY_BYTES"
	EnvS3PathStyle     = "DOCTALES_S3_PATH_STYLE" // true for S3-compatible servers without virtual hosts
	EnvDeadLetterQueue = "DEAD_LETTER_QUEUES"     // comma-separated, for the API's /dlq answers
	EnvLogLevel        = "LOG_LEVEL"
	// EnvFreshness is how old a communication may be and still be urgent
	// and pushed (a Go duration; default 72h; 0 turns the rule off), as
	// the embedded server's freshness: setting.
	EnvFreshness = "DOCTALES_FRESHNESS"
	// EnvReader is who reads the mail, comma-separated names and
	// addresses, as the embedded server's reader: setting (a list post
	// that names the reader asks the reader).
	EnvReader = "DOCTALES_READER"
	// EnvProfilesTable is the user profiles table (GET/PUT /user-profile).
	EnvProfilesTable = "USER_PROFILES_TABLE"
	// EnvAllowOrigins is a comma-separated list of origins given CORS
	// answers; empty (the default) means same origin only, never "*".
	EnvAllowOrigins = "ALLOW_ORIGINS"
	// EnvParseInProcess, "true", reads uploaded documents in the API
	// function's own process instead of a sandboxed worker process.
	EnvParseInProcess = "DOCTALES_PARSE_IN_PROCESS"
	// EnvParseMemoryBytes is the memory limit of the document parser
	// worker, in bytes; default half the function's memory, at most
	// sandbox.DefaultMemoryBytes.
	EnvParseMemoryBytes = "DOCTALES_PARSE_MEMORY_BYTES"
	// EnvFunctionMemory is set by Lambda: the function's memory in MB.
	EnvFunctionMemory = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
	// EnvTimersTable is the notification timers' table (issue 13): the
	// notification function plans reminders and escalation steps there,
	// the timers function fires them. Unset plans none.
	EnvTimersTable = "TIMERS_TABLE"
	// EnvReminders are how long before a notified item's deadline a
	// reminder goes out, comma-separated Go durations ("24h,1h"), as the
	// embedded server's reminders: setting.
	EnvReminders = "DOCTALES_REMINDERS"
	// EnvEscalationAfter and EnvEscalationChannels are the embedded
	// server's escalation: {after, channels}: a high item not read, done
	// or acknowledged After its notification is sent again on each
	// channel in turn ("15m"; "email,webhook").
	EnvEscalationAfter    = "DOCTALES_ESCALATION_AFTER"
	EnvEscalationChannels = "DOCTALES_ESCALATION_CHANNELS"
	// EnvQuietHours are the embedded server's quietHours: per channel,
	// comma-separated: "email=22:00-07:00,webhook=23:00-06:00". A
	// notification on a quiet channel is held until the window ends, or
	// folded into the digest when one is set.
	EnvQuietHours = "DOCTALES_QUIET_HOURS"
	// EnvDigest is the embedded server's digest: {every, at, channel} as
	// EVERY@HH:MM:CHANNEL, such as "24h@08:00:email"; empty sends none.
	EnvDigest = "DOCTALES_DIGEST"
	// EnvTimezone is the IANA time zone of the quiet hours and the
	// digest's time ("Europe/Berlin"); empty is UTC.
	EnvTimezone = "DOCTALES_TIMEZONE"
	// EnvTestNow is for tests only: an RFC 3339 time that the notification
	// and timers functions' clock reads at start (it runs on from there),
	// so a test can put a notification inside quiet hours and fire the
	// timers after they end. Never set it in a deployment.
	EnvTestNow = "DOCTALES_TEST_NOW"
)

// Env is the functions' settings.
type Env struct {
	Environment  string
	AppName      string
	TableName    string
	Bucket       string
	TopicARN     string
	LedgerTable  string
	LedgerTTL    time.Duration
	Extractor    string // builtin or comprehend
	MaxBodyBytes int64
	S3PathStyle  bool
	DeadLetterQs []string
	LogLevel     slog.Level
	// Freshness is EnvFreshness; negative when 0 was given (off).
	Freshness time.Duration
	// Reader is EnvReader, split at commas.
	Reader []string
	// ProfilesTable is the user profiles table; "" serves no profiles.
	ProfilesTable string
	// AllowOrigins are the origins given CORS answers.
	AllowOrigins []string

	// ParseInProcess reads documents without the sandbox.
	ParseInProcess bool
	// ParseMemoryBytes is the parser worker's memory limit in bytes.
	ParseMemoryBytes int64

	// TimersTable is the notification timers' table; "" plans none.
	TimersTable string
	// Reminders, EscalationAfter and EscalationChannels are when
	// reminders and escalation steps are planned (EnvReminders...).
	Reminders          []time.Duration
	EscalationAfter    time.Duration
	EscalationChannels []string
	// QuietHours, Digest and Location are EnvQuietHours, EnvDigest and
	// EnvTimezone, parsed by the notify package's parsers, as the
	// embedded server's settings are.
	QuietHours map[string]notify.QuietHours
	Digest     notify.DigestPolicy
	Location   *time.Location
	// Clock is the functions' clock: time.Now, or shifted to EnvTestNow.
	Clock func() time.Time
}

// ReadEnv reads the settings through getenv and checks the ones that
// function needs ("api", "extraction" or "notification"), naming the
// missing variable.
func ReadEnv(function string, getenv func(string) string) (Env, error) {
	e := Env{
		Environment:  getenv(EnvEnvironment),
		AppName:      getenv(EnvAppName),
		TableName:    getenv(EnvTable),
		Bucket:       getenv(EnvBucket),
		TopicARN:     getenv(EnvTopicARN),
		LedgerTable:  getenv(EnvLedgerTable),
		Extractor:    strings.ToLower(getenv(EnvExtractor)),
		MaxBodyBytes: 1 << 20,
	}
	if e.Extractor == "" {
		e.Extractor = "builtin"
	}
	if v := getenv(EnvMaxBodyBytes); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return e, fmt.Errorf("%s=%q: want a positive number of bytes", EnvMaxBodyBytes, v)
		}
		e.MaxBodyBytes = n
	}
	if v := getenv(EnvLedgerTTLDays); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return e, fmt.Errorf("%s=%q: want a number of days", EnvLedgerTTLDays, v)
		}
		e.LedgerTTL = time.Duration(n) * 24 * time.Hour
	}
	if v := getenv(EnvS3PathStyle); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return e, fmt.Errorf("%s=%q: want true or false", EnvS3PathStyle, v)
		}
		e.S3PathStyle = b
	}
	if v := getenv(EnvDeadLetterQueue); v != "" {
		e.DeadLetterQs = strings.Split(v, ",")
	}
	e.ProfilesTable = getenv(EnvProfilesTable)
	for _, r := range strings.Split(getenv(EnvReader), ",") {
		if r = strings.TrimSpace(r); r != "" {
			e.Reader = append(e.Reader, r)
		}
	}
	e.Freshness = 72 * time.Hour
	if v := getenv(EnvFreshness); v != "" {
		d, err := time.ParseDuration(v)
		if v == "0" {
			d, err = -1, nil
		}
		if err != nil || d == 0 || d < -1 {
			return e, fmt.Errorf("%s=%q: want a duration such as 72h, or 0 to turn the freshness rule off", EnvFreshness, v)
		}
		e.Freshness = d
	}
	for _, o := range strings.Split(getenv(EnvAllowOrigins), ",") {
		switch o = strings.TrimSpace(o); {
		case o == "":
		case o == "*":
			return e, fmt.Errorf("%s=%q: a wildcard would let any web page call the API with a user's token; name the origins", EnvAllowOrigins, getenv(EnvAllowOrigins))
		default:
			e.AllowOrigins = append(e.AllowOrigins, o)
		}
	}
	if v := getenv(EnvLogLevel); v != "" {
		if err := e.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return e, fmt.Errorf("%s=%q: want debug, info, warn or error", EnvLogLevel, v)
		}
	}

	if v := getenv(EnvParseInProcess); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return e, fmt.Errorf("%s=%q: want true or false", EnvParseInProcess, v)
		}
		e.ParseInProcess = b
	}
	// The worker shares the function's memory with the handler: half of
	// it by default, so a parser at its limit leaves the handler room.
	e.ParseMemoryBytes = sandbox.DefaultMemoryBytes
	if mb, err := strconv.ParseInt(getenv(EnvFunctionMemory), 10, 64); err == nil && mb > 0 {
		e.ParseMemoryBytes = min(e.ParseMemoryBytes, mb<<20/2)
	}
	if v := getenv(EnvParseMemoryBytes); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 32<<20 {
			return e, fmt.Errorf("%s=%q: want a number of bytes, at least 33554432 (32 MiB)", EnvParseMemoryBytes, v)
		}
		e.ParseMemoryBytes = n
	}

	// Timers.
	e.TimersTable = getenv(EnvTimersTable)
	for _, v := range strings.Split(getenv(EnvReminders), ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return e, fmt.Errorf("%s=%q: %q is not a positive duration such as 24h or 1h", EnvReminders, getenv(EnvReminders), v)
		}
		e.Reminders = append(e.Reminders, d)
	}
	if v := getenv(EnvEscalationAfter); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return e, fmt.Errorf("%s=%q: want a duration of at least 1s, such as 15m", EnvEscalationAfter, v)
		}
		e.EscalationAfter = d
	}
	for _, ch := range strings.Split(getenv(EnvEscalationChannels), ",") {
		if ch = strings.TrimSpace(ch); ch != "" {
			e.EscalationChannels = append(e.EscalationChannels, ch)
		}
	}
	for i, ch := range e.EscalationChannels {
		if !slices.Contains(AWSChannels, ch) {
			return e, fmt.Errorf("%s=%q: channel %d, %q, is not one of %s", EnvEscalationChannels, getenv(EnvEscalationChannels), i+1, ch, strings.Join(AWSChannels, ", "))
		}
	}
	if err := e.readQuietAndDigest(getenv); err != nil {
		return e, err
	}
	if e.TimersTable != "" && e.TableName == "" {
		return e, fmt.Errorf("%s needs %s: a timer reads its communication when it fires", EnvTimersTable, EnvTable)
	}
	if e.EscalationAfter > 0 && len(e.EscalationChannels) == 0 {
		return e, fmt.Errorf("%s=%q needs %s, the channels to send on in turn, such as email,webhook", EnvEscalationAfter, getenv(EnvEscalationAfter), EnvEscalationChannels)
	}

	// What each function needs.
	need := map[string][]string{
		"api":          {EnvTable, EnvBucket},
		"extraction":   {EnvTable, EnvBucket},
		"notification": {EnvTopicARN, EnvLedgerTable},
		"timers":       {EnvTable, EnvTopicARN, EnvLedgerTable, EnvTimersTable},
	}[function]
	for _, name := range need {
		if getenv(name) == "" {
			return e, fmt.Errorf("environment variable %s is required by the %s function", name, function)
		}
	}
	switch e.Extractor {
	case "builtin", "comprehend":
	default:
		return e, fmt.Errorf("%s=%q: want builtin or comprehend", EnvExtractor, e.Extractor)
	}
	return e, nil
}

// Parser returns the parser of uploaded documents: unless ParseInProcess,
// with an open sandbox.Pool of one worker process (a Lambda instance
// serves one request at a time) under ParseMemoryBytes. The pool is never
// closed: the worker dies with the function's process (Pdeathsig).
func (e Env) Parser(logger *slog.Logger) (*ingest.Parser, error) {
	p := &ingest.Parser{}
	if e.ParseInProcess {
		logger.Warn("documents are parsed in process: a hostile file can crash the function")
		return p, nil
	}
	pool := sandbox.NewPool()
	pool.Size = 1
	pool.MemoryBytes = e.ParseMemoryBytes
	pool.Logger = logger
	if err := pool.Open(); err != nil {
		return nil, err
	}
	p.Sandbox = pool
	return p, nil
}

// Logger returns the JSON logger on stderr (CloudWatch Logs) at the level
// of e.
func (e Env) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: e.LogLevel}))
}

// AWSConfig loads the SDK configuration the usual way (the Lambda role's
// credentials, AWS_REGION; AWS_ENDPOINT_URL_S3 and the like for other
// servers).
func AWSConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return cfg, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}

// Store returns the raw bucket.
func (e Env) Store(cfg aws.Config) *s3.Store {
	return s3.NewStore(e.s3Client(cfg), e.Bucket)
}

func (e Env) s3Client(cfg aws.Config) *awss3.Client {
	return awss3.NewFromConfig(cfg, func(o *awss3.Options) { o.UsePathStyle = e.S3PathStyle })
}

// Uploads returns the presigned upload URLs into the raw bucket
// (POST /uploads) and the reader of what they received.
func (e Env) Uploads(cfg aws.Config) *s3.Uploads {
	c := e.s3Client(cfg)
	return s3.NewUploads(c, s3.NewStore(c, e.Bucket))
}

// Table returns the communications table. An item whose dimensions
// would pass DynamoDB's 400 KB keeps them in the raw bucket beside its
// communication (dynamodb.Table.Overflow, issue 16).
func (e Env) Table(cfg aws.Config) *dynamodb.Table {
	t := dynamodb.NewTable(awsdynamodb.NewFromConfig(cfg), e.TableName)
	if e.Bucket != "" {
		t.Overflow = e.Store(cfg)
	}
	return t
}

// Profiles returns the user profiles table, or nil when none is set.
func (e Env) Profiles(cfg aws.Config) *dynamodb.Profiles {
	if e.ProfilesTable == "" {
		return nil
	}
	return dynamodb.NewProfiles(awsdynamodb.NewFromConfig(cfg), e.ProfilesTable)
}

// Ledger returns the notification ledger.
func (e Env) Ledger(cfg aws.Config) *dynamodb.Ledger {
	l := dynamodb.NewLedger(awsdynamodb.NewFromConfig(cfg), e.LedgerTable)
	l.TTL = e.LedgerTTL
	return l
}

// Topic returns the notification topic.
func (e Env) Topic(cfg aws.Config) *sns.Topic {
	return sns.NewTopic(awssns.NewFromConfig(cfg), e.TopicARN)
}

// AWSChannels are the channel names rules and escalation may target on
// AWS: every notification goes to the one SNS topic, and each of its
// subscriptions (e-mail, HTTPS, SMS or SQS) takes its channel's messages
// with a filter policy on the "targets" attribute (docs/aws.md).
var AWSChannels = []string{doctales.ChannelEmail, doctales.ChannelWebhook, doctales.ChannelSNS}

// When returns the notification timers' planner and firer over the
// timers table, or nil without TIMERS_TABLE: reminders, escalation,
// quiet hours (held timers) and the digest (its entries and its timer in
// the same table), as the embedded server plans them (docs/aws.md).
func (e Env) When(cfg aws.Config, items notify.ItemReader, topic *sns.Topic, ledger doctales.Ledger, logger *slog.Logger) *notify.When {
	if e.TimersTable == "" {
		return nil
	}
	timers := dynamodb.NewTimers(awsdynamodb.NewFromConfig(cfg), e.TimersTable)
	return &notify.When{
		Reminders:  e.Reminders,
		Escalation: notify.EscalationPolicy{After: e.EscalationAfter, Channels: e.EscalationChannels},
		QuietHours: e.QuietHours,
		Digest:     e.Digest,
		Location:   e.Location,
		Channels:   AWSChannels,
		Store:      timers,
		Digests:    timers,
		Now:        e.Clock,
		Items:      items,
		Topic:      topic,
		Ledger:     ledger,
		TopicArn:   topic.ARN(),
		Logger:     logger,
	}
}

// Fatal logs err as the reason the function cannot start and exits; Lambda
// reports an init error.
func Fatal(logger *slog.Logger, function string, err error) {
	logger.Error("function cannot start", "function", function, "error", err)
	os.Exit(1)
}
