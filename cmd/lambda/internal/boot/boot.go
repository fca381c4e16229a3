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
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/doctales/doctales/dynamodb"
	"github.com/doctales/doctales/s3"
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
	if v := getenv(EnvLogLevel); v != "" {
		if err := e.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return e, fmt.Errorf("%s=%q: want debug, info, warn or error", EnvLogLevel, v)
		}
	}

	// What each function needs.
	need := map[string][]string{
		"api":          {EnvTable, EnvBucket},
		"extraction":   {EnvTable, EnvBucket},
		"notification": {EnvTopicARN, EnvLedgerTable},
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
	client := awss3.NewFromConfig(cfg, func(o *awss3.Options) { o.UsePathStyle = e.S3PathStyle })
	return s3.NewStore(client, e.Bucket)
}

// Table returns the communications table.
func (e Env) Table(cfg aws.Config) *dynamodb.Table {
	return dynamodb.NewTable(awsdynamodb.NewFromConfig(cfg), e.TableName)
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

// Fatal logs err as the reason the function cannot start and exits; Lambda
// reports an init error.
func Fatal(logger *slog.Logger, function string, err error) {
	logger.Error("function cannot start", "function", function, "error", err)
	os.Exit(1)
}
