// Package testutil has helpers shared by the tests of several packages:
// S3-compatible and DynamoDB-compatible servers on 127.0.0.1 for the AWS
// adapters' integration tests.
package testutil

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Environment variables the integration tests read.
const (
	// EnvS3Endpoint names an S3-compatible server to use instead of
	// starting s3rver, such as http://127.0.0.1:4568.
	EnvS3Endpoint = "DOCTALES_S3_ENDPOINT"
	// EnvDynamoDBEndpoint names a DynamoDB-compatible server to use instead
	// of starting dynalite, such as http://127.0.0.1:4567.
	EnvDynamoDBEndpoint = "DOCTALES_DYNAMODB_ENDPOINT"
	// EnvNPMDir is the npm prefix where s3rver and dynalite are installed
	// (default $HOME/.cache/doctales/npm); .ci/run installs them there.
	EnvNPMDir = "DOCTALES_NPM_DIR"
)

// TestAccessKey and TestSecretKey are the credentials the servers accept:
// s3rver's fixed pair; dynalite accepts any.
const (
	TestAccessKey = "S3RVER"
	TestSecretKey = "S3RVER"
)

// Pinned versions of the emulators, as .ci/run installs them.
const (
	S3rverVersion   = "3.7.1"
	DynaliteVersion = "4.0.0"
)

// InstallHint says how to install the emulators.
var InstallHint = fmt.Sprintf("install them with `npm install --prefix ~/.cache/doctales/npm s3rver@%s dynalite@%s` "+
	"(node and npm: `apt-get install -y nodejs npm`), or set %s and %s", S3rverVersion, DynaliteVersion, EnvS3Endpoint, EnvDynamoDBEndpoint)

// emulator is a server process shared by the tests of one test binary.
type emulator struct {
	name string
	env  string
	args func(port int, dir string) []string

	once     sync.Once
	endpoint string
	err      error
	cmd      *exec.Cmd
	dir      string
}

var (
	s3rver = &emulator{name: "s3rver", env: EnvS3Endpoint, args: func(port int, dir string) []string {
		return []string{"-d", dir, "-a", "127.0.0.1", "-p", strconv.Itoa(port), "--silent"}
	}}
	dynalite = &emulator{name: "dynalite", env: EnvDynamoDBEndpoint, args: func(port int, dir string) []string {
		return []string{"--host", "127.0.0.1", "--port", strconv.Itoa(port),
			"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"}
	}}
)

// S3Endpoint returns the URL of an S3-compatible server on this machine:
// $DOCTALES_S3_ENDPOINT, or s3rver started once for the test binary. When
// neither is available the test is skipped with a hint on how to install
// it, except under CI=true, where that is a failure.
func S3Endpoint(tb testing.TB) string { return s3rver.get(tb) }

// DynamoDBEndpoint returns the URL of a DynamoDB-compatible server:
// $DOCTALES_DYNAMODB_ENDPOINT, or dynalite started once for the test binary;
// missing, it skips like S3Endpoint (fails under CI=true).
func DynamoDBEndpoint(tb testing.TB) string { return dynalite.get(tb) }

// StopServers stops the servers the test binary started. Call it from
// TestMain after m.Run.
func StopServers() {
	for _, e := range []*emulator{s3rver, dynalite} {
		if e.cmd != nil && e.cmd.Process != nil {
			_ = e.cmd.Process.Kill()
			_ = e.cmd.Wait()
		}
		if e.dir != "" {
			_ = os.RemoveAll(e.dir)
		}
	}
}

// AWSConfig returns an SDK configuration for a local server at endpoint:
// the test credentials, region us-east-1, and checksums only where an
// operation requires them (older S3-compatible servers do not know the
// newer checksum headers).
func AWSConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:                     "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider(TestAccessKey, TestSecretKey, ""),
		BaseEndpoint:               aws.String(endpoint),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		RetryMaxAttempts:           3,
	}
}

func (e *emulator) get(tb testing.TB) string {
	tb.Helper()
	if v := os.Getenv(e.env); v != "" {
		return v
	}
	e.once.Do(e.start)
	if e.err != nil {
		msg := fmt.Sprintf("%s is not available (%v); %s", e.name, e.err, InstallHint)
		if os.Getenv("CI") == "true" {
			tb.Fatal("CI=true: " + msg)
		}
		tb.Skip(msg)
	}
	return e.endpoint
}

// start runs the emulator on a free port and waits until it accepts
// connections.
func (e *emulator) start() {
	bin, err := e.find()
	if err != nil {
		e.err = err
		return
	}
	port, err := freePort()
	if err != nil {
		e.err = err
		return
	}
	if e.dir, err = os.MkdirTemp("", "doctales-"+e.name+"-"); err != nil {
		e.err = err
		return
	}
	cmd := exec.Command(bin, e.args(port, e.dir)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = os.Stderr
	if e.name == "s3rver" {
		// s3rver's ListObjectsV2 continuation tokens use DES, which
		// OpenSSL 3 keeps in its legacy provider.
		cmd.Env = append(os.Environ(), "NODE_OPTIONS=--openssl-legacy-provider")
	}
	if err := cmd.Start(); err != nil {
		e.err = fmt.Errorf("start %s: %w", bin, err)
		return
	}
	e.cmd = cmd
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if ctx.Err() != nil {
			e.err = fmt.Errorf("%s did not listen on %s within 30s", e.name, addr)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.endpoint = "http://" + addr
}

// find returns the emulator's executable: in $DOCTALES_NPM_DIR (or
// ~/.cache/doctales/npm)/node_modules/.bin, or on PATH.
func (e *emulator) find() (string, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("node is not installed")
	}
	dir := os.Getenv(EnvNPMDir)
	if dir == "" {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".cache", "doctales", "npm")
		}
	}
	if dir != "" {
		bin := filepath.Join(dir, "node_modules", ".bin", e.name)
		if _, err := os.Stat(bin); err == nil {
			return bin, nil
		}
	}
	if bin, err := exec.LookPath(e.name); err == nil {
		return bin, nil
	}
	return "", fmt.Errorf("%s is not installed in %s/node_modules nor on PATH", e.name, dir)
}

// freePort returns a TCP port that was free on 127.0.0.1 a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
