package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestBench_IngestAlone runs the real bench (the binary built by
// TestMain, which starts itself again as the load generator) on a small
// run and checks that the report counts what it says: every post
// accepted, the server's ingest CPU and the load generator's measured
// apart, and the catch-up timed after the ingest phase.
func TestBench_IngestAlone(t *testing.T) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(binPath, "bench", "--n", "40", "--clients", "4", "--ingest-only", "--json", "--data", t.TempDir())
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr.String())
	}
	var rep BenchReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("bench --json printed %q: %v", stdout.String(), err)
	}
	if rep.Posted != 40 || rep.Failed != 0 {
		t.Errorf("posted %d, failed %d; want 40 and 0", rep.Posted, rep.Failed)
	}
	for name, v := range map[string]float64{
		"cpuPerAcceptedSeconds":              rep.CPUPerAcceptedSeconds,
		"loadGeneratorCpuPerAcceptedSeconds": rep.LoadGeneratorCPUPerAcceptedSeconds,
		"catchUpSeconds":                     rep.CatchUpSeconds,
		"catchUpCpuPerCommunicationSeconds":  rep.CatchUpCPUPerCommunicationSeconds,
		"acceptedPerSecond":                  rep.AcceptedPerSecond,
	} {
		if v <= 0 {
			t.Errorf("%s = %v, want > 0", name, v)
		}
	}
	if got, want := rep.CPUPerAcceptedUserSeconds+rep.CPUPerAcceptedSystemSeconds, rep.CPUPerAcceptedSeconds; got < want*0.99 || got > want*1.01 {
		t.Errorf("user %v + kernel %v = %v, want the total %v", rep.CPUPerAcceptedUserSeconds, rep.CPUPerAcceptedSystemSeconds, got, want)
	}
	if rep.CPUPerEndToEndSeconds < rep.CPUPerAcceptedSeconds || rep.CPUPerEndToEndWithLoadSeconds < rep.CPUPerEndToEndSeconds {
		t.Errorf("end to end %v (with load %v) counts less than the ingest path %v", rep.CPUPerEndToEndSeconds, rep.CPUPerEndToEndWithLoadSeconds, rep.CPUPerAcceptedSeconds)
	}
	if !strings.Contains(stderr.String(), "load generator process") {
		t.Errorf("bench did not say it posts from a load generator process:\n%s", stderr.String())
	}
}
