// Package executor runs scenarios as k6 v0.54.0 does: the execution state's VU pool
// (lib/execution.go), the scheduler (execution/scheduler.go) and the constant-arrival-rate
// executor (lib/executor/constant_arrival_rate.go, ramping_arrival_rate.go activeVUPool).
package executor

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"continuous-load.test/k6-runner/internal/js"
	"continuous-load.test/k6-runner/internal/metrics"
	"continuous-load.test/k6-runner/internal/modules"
	"continuous-load.test/k6-runner/internal/options"
)

// State is the execution state: the pool of initialized VUs and the counters k6 reports.
type State struct {
	runner *js.Runner
	vus    chan *js.VU

	initializedVUs  int64
	activeVUs       int64
	uninitUnplanned int64
	lastVUID        uint64
	fullIterations  uint64
	interrupted     uint64
	started         time.Time
	status          int32
	startedFlag     int32
	endedFlag       int32
	abortOnce       sync.Once
	abortCh         chan struct{}
	AbortReason     string
}

// Execution statuses of k6 v0.54.0 lib/execution.go (ExecutionStatus, iota order).
const (
	StatusCreated     = 0
	StatusInitVUs     = 1
	StatusRunning     = 7
	StatusEnded       = 9
	StatusInterrupted = 10
)

// SetStatus sets the execution status.
func (s *State) SetStatus(v int32) { atomic.StoreInt32(&s.status, v) }

// Status returns the execution status, and whether the run started and ended.
func (s *State) Status() (status int32, started, ended bool) {
	return atomic.LoadInt32(&s.status), atomic.LoadInt32(&s.startedFlag) == 1, atomic.LoadInt32(&s.endedFlag) == 1
}

// NewState makes the state for maxPossible VUs.
func NewState(r *js.Runner, maxPlanned, maxPossible int64) *State {
	return &State{
		runner: r, vus: make(chan *js.VU, maxPossible),
		uninitUnplanned: maxPossible - maxPlanned, abortCh: make(chan struct{}),
	}
}

// CurrentTestRunDuration and the rest implement execution.Instance for k6/execution.
func (s *State) CurrentTestRunDuration() time.Duration { return time.Since(s.started) }

// IterationsCompleted counts full iterations.
func (s *State) IterationsCompleted() uint64 { return atomic.LoadUint64(&s.fullIterations) }

// IterationsInterrupted counts interrupted iterations.
func (s *State) IterationsInterrupted() uint64 { return atomic.LoadUint64(&s.interrupted) }

// VUsActive is the number of VUs running an iteration.
func (s *State) VUsActive() int64 { return atomic.LoadInt64(&s.activeVUs) }

// VUsInitialized is the number of initialized VUs.
func (s *State) VUsInitialized() int64 { return atomic.LoadInt64(&s.initializedVUs) }

// Abort stops the test (exec.test.abort).
func (s *State) Abort(reason string) {
	s.abortOnce.Do(func() {
		s.AbortReason = reason
		close(s.abortCh)
	})
}

// Aborted is closed when the script called exec.test.abort().
func (s *State) Aborted() <-chan struct{} { return s.abortCh }

// OptionsJSON is the options as JSON (exec.test.options).
func (s *State) OptionsJSON() []byte {
	b, _ := json.Marshal(s.runner.Options)
	return b
}

func (s *State) newVU(ctx context.Context) (*js.VU, error) {
	id := atomic.AddUint64(&s.lastVUID, 1)
	vu, err := s.runner.NewVU(ctx, id)
	if err != nil {
		return nil, err
	}
	atomic.AddInt64(&s.initializedVUs, 1)
	return vu, nil
}

// InitVUs initializes the planned VUs up front (Scheduler.initVUsConcurrently).
func (s *State) InitVUs(ctx context.Context, n int64) error {
	s.SetStatus(StatusInitVUs)
	for i := int64(0); i < n; i++ {
		vu, err := s.newVU(ctx)
		if err != nil {
			return err
		}
		s.vus <- vu
	}
	return nil
}

// getPlannedVU is ExecutionState.GetPlannedVU (k6 waits up to 10 x 5s for the buffer; the
// runner's VUs are always there).
func (s *State) getPlannedVU() (*js.VU, error) {
	select {
	case vu := <-s.vus:
		return vu, nil
	case <-time.After(50 * time.Second):
		return nil, errors.New("could not get a VU from the buffer in 50s")
	}
}

// getUnplannedVU is ExecutionState.GetUnplannedVU: a new VU while the plan allows, else a
// previously initialized one from the pool.
func (s *State) getUnplannedVU(ctx context.Context) (*js.VU, error) {
	if atomic.AddInt64(&s.uninitUnplanned, -1) < 0 {
		atomic.AddInt64(&s.uninitUnplanned, 1)
		return s.getPlannedVU()
	}
	return s.newVU(ctx)
}

func (s *State) returnVU(vu *js.VU) { s.vus <- vu }

// EmitVUs is Scheduler.emitVUsAndVUsMax: vus and vus_max every second, tagged with the run tags,
// until ctx ends; the returned function waits for the goroutine.
func (s *State) EmitVUs(ctx context.Context, out chan<- metrics.Samples) func() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				now := time.Now()
				tags := s.runner.RunTags
				metrics.PushIfNotDone(ctx, out, metrics.Samples{
					{Metric: s.runner.Builtin.VUs, Tags: tags, Time: now, Value: float64(s.VUsActive())},
					{Metric: s.runner.Builtin.VUsMax, Tags: tags, Time: now, Value: float64(s.VUsInitialized())},
				})
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() { <-done }
}

// Run runs every scenario (Scheduler.Run + runExecutor: each waits for its startTime) and
// returns when all have ended or ctx is cancelled.
func (s *State) Run(ctx context.Context, out chan<- metrics.Samples) error {
	s.started = time.Now()
	s.SetStatus(StatusRunning)
	atomic.StoreInt32(&s.startedFlag, 1)
	defer func() {
		atomic.StoreInt32(&s.endedFlag, 1)
		if ctx.Err() != nil {
			s.SetStatus(StatusInterrupted)
		} else {
			s.SetStatus(StatusEnded)
		}
	}()
	r := s.runner
	names := r.Options.ScenarioNames()
	results := make(chan error, len(names))
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, name := range names {
		sc := r.Options.Scenarios[name]
		go func() {
			if st := sc.StartTime.TimeDuration(); st > 0 {
				select {
				case <-runCtx.Done():
					results <- nil
					return
				case <-time.After(st):
				}
			}
			results <- (&ConstantArrivalRate{state: s, config: sc}).Run(runCtx, out)
		}()
	}
	var first error
	for range names {
		if err := <-results; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}

// ConstantArrivalRate is the constant-arrival-rate executor.
type ConstantArrivalRate struct {
	state  *State
	config *options.ScenarioConfig
	iter   uint64
}

// nextIterationCounters is BaseExecutor.nextIterationCounters with the full execution segment:
// the local and global scenario iteration numbers are the same, 0, 1, 2...
func (car *ConstantArrivalRate) nextIterationCounters() (uint64, uint64) {
	n := atomic.AddUint64(&car.iter, 1) - 1
	return n, n
}

// getDurationContexts is lib/executor/helpers.go getDurationContexts.
func getDurationContexts(parent context.Context, regular, graceful time.Duration) (time.Time, context.Context, context.Context, context.CancelFunc) {
	start := time.Now()
	maxCtx, cancel := context.WithDeadline(parent, start.Add(regular+graceful))
	if graceful == 0 {
		return start, maxCtx, maxCtx, cancel
	}
	regCtx, regCancel := context.WithDeadline(maxCtx, start.Add(regular))
	return start, maxCtx, regCtx, func() { regCancel(); cancel() }
}

// activeVUPool is lib/executor/ramping_arrival_rate.go activeVUPool: VUs wait on an unbuffered
// channel; TryRunIteration fails when none is free.
type activeVUPool struct {
	iterations chan struct{}
	running    uint64
	state      *State
	wg         sync.WaitGroup
}

func (p *activeVUPool) TryRunIteration() bool {
	select {
	case p.iterations <- struct{}{}:
		return true
	default:
		return false
	}
}

func (p *activeVUPool) AddVU(avu *js.ActiveVU, run func(*js.ActiveVU)) {
	p.wg.Add(1)
	ch := make(chan struct{})
	go func() {
		defer p.wg.Done()
		close(ch)
		for range p.iterations {
			atomic.AddUint64(&p.running, 1)
			atomic.AddInt64(&p.state.activeVUs, 1)
			run(avu)
			atomic.AddInt64(&p.state.activeVUs, -1)
			atomic.AddUint64(&p.running, ^uint64(0))
		}
	}()
	<-ch
}

func (p *activeVUPool) Close() {
	close(p.iterations)
	p.wg.Wait()
}

// Run is k6 v0.54.0 lib/executor/constant_arrival_rate.go ConstantArrivalRate.Run: preAllocatedVUs
// activated up front, a timer for iteration i at i*timeUnit/rate after the start, a
// dropped_iterations sample (run tags + scenario tag, getMetricTags) when no VU is free, and an
// unplanned VU initialized in the background, one at a time, while maxVUs allows.
func (car *ConstantArrivalRate) Run(parent context.Context, out chan<- metrics.Samples) error {
	cfg := car.config
	s := car.state
	r := s.runner
	graceful := cfg.GetGracefulStop()
	duration := cfg.Duration.TimeDuration()
	pre, maxVUs := cfg.PreAllocatedVUs.Int64, cfg.MaxVUs.Int64

	activeVUsWg := &sync.WaitGroup{}
	returnedVUs := make(chan struct{})
	start, maxCtx, regCtx, cancel := getDurationContexts(parent, duration, graceful)
	defer cancel()

	pool := &activeVUPool{iterations: make(chan struct{}), state: s}
	defer func() {
		<-returnedVUs
		pool.Close()
		cancel()
		activeVUsWg.Wait()
	}()

	progress := func() (float64, []string) {
		spent := time.Since(start)
		if spent > duration {
			return 1, nil
		}
		return math.Min(1, float64(spent)/float64(duration)), nil
	}
	maxCtx = modules.WithScenarioState(maxCtx, &modules.ScenarioState{
		Name: cfg.Name, Executor: cfg.Type, StartTime: start, ProgressFn: progress,
	})

	returnVU := func(vu *js.VU) {
		s.returnVU(vu)
		activeVUsWg.Done()
	}
	// getIterationRunner: count full and interrupted iterations, log script errors.
	runIteration := func(avu *js.ActiveVU) {
		err := avu.RunOnce()
		select {
		case <-maxCtx.Done():
			atomic.AddUint64(&s.interrupted, 1)
			return
		default:
		}
		if err != nil {
			select {
			case <-s.abortCh:
				// exec.test.abort(): an interruption, not a script error (helpers.go handleInterrupt).
				atomic.AddUint64(&s.interrupted, 1)
				return
			default:
			}
			if js.IsInterrupted(err) {
				atomic.AddUint64(&s.interrupted, 1)
				return
			}
			var se *js.ScriptException
			if errors.As(err, &se) {
				// The executor's logger carries executor and scenario (base_executor.go); logrus
				// sorts the fields.
				r.Logf("error", "%s\x1fexecutor=%s scenario=%s source=stacktrace", se.Error(), cfg.Type, cfg.Name)
			} else {
				r.Logf("error", "%s\x1fexecutor=%s scenario=%s", err.Error(), cfg.Type, cfg.Name)
			}
		}
		atomic.AddUint64(&s.fullIterations, 1)
	}
	activate := func(vu *js.VU) {
		activeVUsWg.Add(1)
		avu := vu.Activate(&js.ActivationParams{
			RunContext: maxCtx, Scenario: cfg.Name, Exec: cfg.GetExec(), Env: cfg.Env, Tags: cfg.Tags,
			DeactivateCallback: returnVU, GetNextIterationCounters: car.nextIterationCounters,
		})
		pool.AddVU(avu, runIteration)
	}

	remainingUnplanned := maxVUs - pre
	makeUnplanned := make(chan struct{})
	defer close(makeUnplanned)
	go func() {
		defer close(returnedVUs)
		for range makeUnplanned {
			vu, err := s.getUnplannedVU(maxCtx)
			if err != nil {
				r.Logf("error", "Error while allocating unplanned VU\x1ferror=%q executor=%s scenario=%s", err.Error(), cfg.Type, cfg.Name)
			} else {
				activate(vu)
			}
		}
	}()

	for i := int64(0); i < pre; i++ {
		vu, err := s.getPlannedVU()
		if err != nil {
			return err
		}
		activate(vu)
	}

	// helpers.go getTickerPeriod: time.Duration(float64(1/(rate/timeUnit))), truncated to ns;
	// iteration i is due at period*i after the start.
	inv, _ := new(big.Rat).Inv(big.NewRat(cfg.Rate.Int64, int64(cfg.TimeUnit.TimeDuration()))).Float64()
	period := time.Duration(inv)
	timer := time.NewTimer(24 * time.Hour)
	defer timer.Stop()
	tags := r.SystemTags.SetIfEnabled(r.RunTags, "scenario", cfg.Name)
	shownWarning := false
	for i := int64(0); ; i++ {
		timer.Reset(period*time.Duration(i) - time.Since(start))
		select {
		case <-timer.C:
			if pool.TryRunIteration() {
				continue
			}
			metrics.PushIfNotDone(parent, out, metrics.Samples{{Metric: r.Builtin.DroppedIterations, Tags: tags, Time: time.Now(), Value: 1}})
			if remainingUnplanned == 0 {
				if !shownWarning {
					r.Logf("warning", "Insufficient VUs, reached %d active VUs and cannot initialize more\x1fexecutor=%s scenario=%s", maxVUs, cfg.Type, cfg.Name)
					shownWarning = true
				}
				continue
			}
			select {
			case makeUnplanned <- struct{}{}:
				remainingUnplanned--
			default:
			}
		case <-regCtx.Done():
			return nil
		}
	}
}
