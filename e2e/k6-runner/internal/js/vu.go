package js

import (
	"context"
	"errors"
	"net/http/cookiejar"
	"time"

	"github.com/grafana/sobek"

	"continuous-load.test/k6-runner/internal/metrics"
	"continuous-load.test/k6-runner/internal/modules"
)

// ActivationParams is lib.VUActivationParams.
type ActivationParams struct {
	RunContext               context.Context
	Scenario, Exec           string
	Env, Tags                map[string]string
	DeactivateCallback       func(*VU)
	GetNextIterationCounters func() (uint64, uint64)
}

// ActiveVU is a VU activated for a scenario.
type ActiveVU struct {
	*VU
	*ActivationParams
	busy                      chan struct{}
	scIterLocal, scIterGlobal uint64
}

// Activate is k6 v0.54.0 js/runner.go VU.Activate: __ENV with the scenario's env, tags = run tags +
// scenario tags + group/scenario system tags, and a goroutine that interrupts the runtime and
// hands the VU back when the run context ends.
func (v *VU) Activate(p *ActivationParams) *ActiveVU {
	v.rt.ClearInterrupt()
	if p.Exec == "" {
		p.Exec = "default"
	}
	env := make(map[string]string, len(v.runner.Env)+len(p.Env))
	for k, val := range v.runner.Env {
		env[k] = val
	}
	for k, val := range p.Env {
		env[k] = val
	}
	_ = v.rt.Set("__ENV", env)
	r := v.runner
	tags := r.RunTags.WithMap(p.Tags)
	tags = r.SystemTags.SetIfEnabled(tags, "group", "")
	tags = r.SystemTags.SetIfEnabled(tags, "scenario", p.Scenario)
	if v.state == nil {
		v.state = &modules.State{
			Options: &r.Options, SystemTags: r.SystemTags, Builtin: r.Builtin, Samples: r.Samples,
			Transport: v.Transport, Dialer: v.Dialer, Logf: r.Logf, VUID: v.ID, VUIDGlobal: v.IDGlobal,
		}
	}
	v.state.Tags = tags
	v.state.Iteration = v.iteration
	v.ctx = p.RunContext
	v.state.GetScenarioVUIter = func() uint64 { return v.scenarioIter[p.Scenario] }
	avu := &ActiveVU{VU: v, ActivationParams: p, busy: make(chan struct{}, 1), scIterLocal: ^uint64(0), scIterGlobal: ^uint64(0)}
	v.state.GetScenarioLocalVUIter = func() uint64 { return avu.scIterLocal }
	v.state.GetScenarioGlobalVUIter = func() uint64 { return avu.scIterGlobal }
	go func() {
		<-p.RunContext.Done()
		v.rt.Interrupt(context.Canceled)
		avu.busy <- struct{}{}
		if p.DeactivateCallback != nil {
			p.DeactivateCallback(v)
		}
	}()
	return avu
}

// RunOnce is ActiveVU.RunOnce + VU.runFn: one call of the exec function; data_sent/data_received
// always, iteration_duration and iterations only for a full (not interrupted) iteration.
func (u *ActiveVU) RunOnce() error {
	select {
	case <-u.RunContext.Done():
		return u.RunContext.Err()
	case u.busy <- struct{}{}:
	}
	defer func() { <-u.busy }()
	fn, ok := sobek.AssertFunction(u.exported(u.Exec))
	if !ok {
		panic("function '" + u.Exec + "' not found in exports")
	}
	// ActiveVU.incrIteration
	u.iteration++
	u.state.Iteration = u.iteration
	if _, ok := u.scenarioIter[u.Scenario]; ok {
		u.scenarioIter[u.Scenario]++
	} else {
		u.scenarioIter[u.Scenario] = 0
	}
	if u.GetNextIterationCounters != nil {
		u.scIterLocal, u.scIterGlobal = u.GetNextIterationCounters()
	}
	_ = u.rt.Set("__ITER", u.iteration)

	// runFn: a fresh cookie jar per iteration unless noCookiesReset.
	if !u.runner.Options.NoCookiesReset.ValueOrZero() || u.state.CookieJar == nil {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return err
		}
		u.state.CookieJar = jar
	}
	ctx, cancel := context.WithCancel(u.RunContext)
	defer cancel()
	u.ctx = ctx
	start := time.Now()
	_, err := fn(sobek.Undefined())
	full := ctx.Err() == nil
	cancel()
	end := time.Now()
	var exc *sobek.Exception
	if errors.As(err, &exc) {
		err = &ScriptException{Exc: exc}
	}
	var ie *sobek.InterruptedError
	if errors.As(err, &ie) {
		err = errInterrupted
	}
	if u.runner.Options.NoVUConnectionReuse.Bool {
		u.Transport.CloseIdleConnections()
	}
	b := u.runner.Builtin
	tags := u.state.Tags
	u.runner.Samples <- u.Dialer.IOSamples(end, tags, b)
	if full {
		u.runner.Samples <- metrics.Samples{
			{Metric: b.IterationDuration, Tags: tags, Time: end, Value: metrics.D(end.Sub(start))},
			{Metric: b.Iterations, Tags: tags, Time: end, Value: 1},
		}
	}
	// ActiveVU.RunOnce, after the samples: a full iteration shorter than minIterationDuration sleeps the rest.
	if full && u.runner.Options.MinIterationDuration.Valid {
		if rest := u.runner.Options.MinIterationDuration.TimeDuration() - end.Sub(start); rest > 0 {
			select {
			case <-time.After(rest):
			case <-u.RunContext.Done():
			}
		}
	}
	return err
}

// IsInterrupted says whether err is an interruption of the iteration by its context.
func IsInterrupted(err error) bool { return errors.Is(err, errInterrupted) }
