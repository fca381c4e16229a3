package testutil

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// NATSServerVersion is the nats-server .ci/run installs.
const NATSServerVersion = "v2.15.3"

// EnvNATSServer names the nats-server binary to run instead of the one on
// the PATH or in ~/go/bin.
const EnvNATSServer = "NATS_SERVER"

// NATSInstallHint says how to get nats-server.
var NATSInstallHint = "install it with `go install github.com/nats-io/nats-server/v2@" + NATSServerVersion +
	"` (it lands in ~/go/bin), or set $" + EnvNATSServer

// NATSServer is a nats-server with JetStream, started for one test on a
// free port of 127.0.0.1, storing in a temporary directory. It is stopped
// at the end of the test.
type NATSServer struct {
	// URL is its client URL, nats://127.0.0.1:port; it stays the same
	// across Restart.
	URL string
	// Dir is its JetStream store directory (-sd).
	Dir string

	tb   testing.TB
	bin  string
	port int
	conf string // configuration file, if any
	mu   sync.Mutex
	cmd  *exec.Cmd
	out  *lockedBuffer
}

// StartNATS starts `nats-server -js -sd <tmpdir> -a 127.0.0.1 -p <free port>`
// ($NATS_SERVER, or nats-server on the PATH, or ~/go/bin/nats-server) and
// waits until it accepts clients with JetStream ready. Lines of config,
// if any, are written to a configuration file given with -c (for example
// "jetstream { sync_interval: always }"); the flags take precedence.
// Without the binary the test is skipped with NATSInstallHint, except
// under CI=true, where it fails.
func StartNATS(tb testing.TB, config ...string) *NATSServer {
	tb.Helper()
	bin := os.Getenv(EnvNATSServer)
	if bin == "" {
		if p, err := exec.LookPath("nats-server"); err == nil {
			bin = p
		} else if home, _ := os.UserHomeDir(); home != "" {
			if p := filepath.Join(home, "go", "bin", "nats-server"); fileExists(p) {
				bin = p
			}
		}
	}
	if bin == "" {
		msg := "nats-server not found; " + NATSInstallHint
		if os.Getenv("CI") == "true" {
			tb.Fatal("CI=true: " + msg)
		}
		tb.Skip(msg)
	}
	s := &NATSServer{tb: tb, bin: bin, port: mustFreePort(tb), Dir: tb.TempDir()}
	if len(config) > 0 {
		s.conf = filepath.Join(tb.TempDir(), "nats-server.conf")
		if err := os.WriteFile(s.conf, []byte(strings.Join(config, "\n")+"\n"), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	s.URL = fmt.Sprintf("nats://127.0.0.1:%d", s.port)
	tb.Cleanup(func() { s.Stop() })
	s.start()
	return s
}

// start runs the server and waits for "Server is ready" in its log and a
// TCP connection to its port.
func (s *NATSServer) start() {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.out = &lockedBuffer{}
	args := []string{"-js", "-sd", s.Dir, "-a", "127.0.0.1", "-p", strconv.Itoa(s.port)}
	if s.conf != "" {
		args = append([]string{"-c", s.conf}, args...)
	}
	cmd := exec.Command(s.bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		s.tb.Fatal(err)
	}
	cmd.Stdout = s.out
	if err := cmd.Start(); err != nil {
		s.tb.Fatalf("start %s: %v", s.bin, err)
	}
	s.cmd = cmd
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := sync.Once{}
		for sc.Scan() {
			s.out.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "Server is ready") {
				once.Do(func() { close(ready) })
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		s.tb.Fatalf("nats-server on port %d not ready after 20 s:\n%s", s.port, s.out.String())
	}
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), 5*time.Second)
	if err != nil {
		s.tb.Fatalf("nats-server ready but port %d refuses: %v\n%s", s.port, err, s.out.String())
	}
	c.Close()
}

// Stop shuts the server down (SIGTERM, then SIGKILL after 10 s) and waits
// for it. It tolerates a second call.
func (s *NATSServer) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// Restart stops the server and starts it again on the same port and store
// directory: what JetStream stored on file survives.
func (s *NATSServer) Restart() {
	s.tb.Helper()
	s.Stop()
	s.start()
}

// Log returns what the server printed so far.
func (s *NATSServer) Log() string { return s.out.String() }

// lockedBuffer is a strings.Builder safe for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) WriteString(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.WriteString(s)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
