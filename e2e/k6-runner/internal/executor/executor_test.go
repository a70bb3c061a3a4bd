package executor

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"continuous-load.test/k6-runner/internal/js"
	"continuous-load.test/k6-runner/internal/metrics"
)

// run executes script for real (bounded by its scenarios) and returns every sample.
func run(t *testing.T, script string) []metrics.Sample {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.js")
	if err := os.WriteFile(p, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	logf := func(level, f string, a ...any) { t.Logf(level+": "+f, a...) }
	r, err := js.New(p, map[string]string{}, logf, func(w string) { t.Log(w) })
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Options.Validate(r.IsExecutable); err != nil {
		t.Fatal(err)
	}
	if err := r.Setup(); err != nil {
		t.Fatal(err)
	}
	ch := make(chan metrics.Samples, 1000)
	r.Samples = ch
	planned, possible := r.Options.VUCounts()
	st := NewState(r, planned, possible)
	var all []metrics.Sample
	done := make(chan struct{})
	go func() {
		for s := range ch {
			all = append(all, s...)
		}
		close(done)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := st.InitVUs(ctx, planned); err != nil {
		t.Fatal(err)
	}
	if err := st.Run(ctx, ch); err != nil {
		t.Fatal(err)
	}
	close(ch)
	<-done
	return all
}

func count(samples []metrics.Sample, name string) (n int, last metrics.Sample) {
	for _, s := range samples {
		if s.Metric.Name == name {
			n++
			last = s
		}
	}
	return n, last
}

// Iteration i starts at i*timeUnit/rate: 20/s for 1s is 20 iterations (a 21st can race the end
// of the duration, as in k6), each with iteration_duration and iterations tagged with the
// scenario and its tags.
func TestConstantArrivalRateStartsOnSchedule(t *testing.T) {
	start := time.Now()
	samples := run(t, `
import exec from 'k6/execution';
export const options = { tags: { run: 'r' }, scenarios: { s: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s',
  duration: '1s', preAllocatedVUs: 2, maxVUs: 2, tags: { flow: 'f' }, gracefulStop: '0s' } } };
export default function () { if (exec.scenario.name !== 's') throw new Error('scenario ' + exec.scenario.name); }
`)
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("took %s", el)
	}
	n, last := count(samples, "iterations")
	if n < 20 || n > 21 {
		t.Fatalf("%d iterations", n)
	}
	if got := last.Tags.String(); got != "{flow=f,group=,run=r,scenario=s}" {
		t.Fatalf("iteration tags %s", got)
	}
	if d, _ := count(samples, "dropped_iterations"); d != 0 {
		t.Fatalf("%d dropped", d)
	}
	if c, _ := count(samples, "data_sent"); c != n {
		t.Fatalf("%d data_sent samples for %d iterations", c, n)
	}
}

// One VU that is busy for 300ms at 10/s: most iterations are dropped, each dropped sample
// carries the run tags and the scenario only (base_executor.go getMetricTags).
func TestConstantArrivalRateDropsWithoutFreeVU(t *testing.T) {
	samples := run(t, `
import { sleep } from 'k6';
export const options = { tags: { run: 'r' }, scenarios: { s: { executor: 'constant-arrival-rate', rate: 10, duration: '1s',
  preAllocatedVUs: 1, maxVUs: 1, tags: { flow: 'f' }, gracefulStop: '2s' } } };
export default function () { sleep(0.3); }
`)
	it, _ := count(samples, "iterations")
	dropped, last := count(samples, "dropped_iterations")
	if it < 3 || it > 5 || it+dropped < 10 || it+dropped > 11 {
		t.Fatalf("%d iterations, %d dropped", it, dropped)
	}
	if got := last.Tags.String(); got != "{run=r,scenario=s}" {
		t.Fatalf("dropped tags %s", got)
	}
}

// With preAllocatedVUs 0 and maxVUs 2, the first ticks are dropped while VUs are initialized in
// the background, then iterations run.
func TestConstantArrivalRateUnplannedVUs(t *testing.T) {
	samples := run(t, `
export const options = { scenarios: { s: { executor: 'constant-arrival-rate', rate: 10, duration: '1s',
  preAllocatedVUs: 0, maxVUs: 2, gracefulStop: '0s' } } };
export default function () {}
`)
	it, _ := count(samples, "iterations")
	dropped, _ := count(samples, "dropped_iterations")
	if dropped < 1 || it < 5 {
		t.Fatalf("%d iterations, %d dropped", it, dropped)
	}
}
