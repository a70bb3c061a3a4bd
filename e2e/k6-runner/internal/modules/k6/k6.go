// Package k6 is the `k6` module: check, group, sleep, fail (k6 v0.54.0 js/modules/k6/k6.go).
package k6

import (
	"errors"
	"math/rand"
	"strings"
	"time"

	"github.com/grafana/sobek"

	"continuous-load.test/k6-runner/internal/metrics"
	"continuous-load.test/k6-runner/internal/modules"
)

// k6 v0.54.0 js/modules/k6/k6.go errors and lib.GroupSeparator.
var (
	errCheckInInitContext = errors.New("using check() in the init context is not supported")
	errGroupInInitContext = errors.New("using group() in the init context is not supported")
	errNameContainsSep    = errors.New("group and check names may not contain '::'")
)

const groupSeparator = "::"

// New returns the module's exports for vu.
func New(vu modules.VU) map[string]any {
	m := &k6{vu: vu}
	return map[string]any{"check": m.check, "group": m.group, "sleep": m.sleep, "fail": m.fail, "randomSeed": m.randomSeed}
}

type k6 struct{ vu modules.VU }

// fail is K6.Fail: throws "<msg>".
func (m *k6) fail(msg sobek.Value) (sobek.Value, error) {
	s := ""
	if msg != nil && !sobek.IsUndefined(msg) {
		s = msg.String()
	}
	return sobek.Undefined(), errors.New(s)
}

// randomSeed is K6.RandomSeed: Math.random from a source seeded with seed.
func (m *k6) randomSeed(seed int64) {
	m.vu.Runtime().SetRandSource(rand.New(rand.NewSource(seed)).Float64) //nolint:gosec
}

// sleep is K6.Sleep: waits secs seconds or until the VU's context ends.
func (m *k6) sleep(secs float64) {
	d := time.Duration(secs * float64(time.Second))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-m.vu.Context().Done():
	}
}

// check is k6 v0.54.0 js/modules/k6/k6.go K6.Check: one `checks` sample per key (value 1 or 0),
// tagged with the VU's tags, the extra tags and `check` (when enabled); a throwing check counts as
// failed and its exception is rethrown after the sample.
func (m *k6) check(arg0, checks sobek.Value, extras ...sobek.Value) (bool, error) {
	state := m.vu.State()
	if state == nil {
		return false, errCheckInInitContext
	}
	if checks == nil {
		return false, errors.New("no checks provided to `check`")
	}
	ctx := m.vu.Context()
	rt := m.vu.Runtime()
	t := time.Now()
	common := state.Tags
	if len(extras) > 0 {
		var err error
		if common, err = modules.ApplyCustomUserTags(rt, common, extras[0]); err != nil {
			return false, err
		}
	}
	succ := true
	var exc error
	obj := checks.ToObject(rt)
	for _, name := range obj.Keys() {
		if strings.Contains(name, groupSeparator) {
			return false, errNameContainsSep
		}
		val := obj.Get(name)
		tags := common
		if state.SystemTags.Has("check") {
			tags = tags.With("check", name)
		}
		if fn, ok := sobek.AssertFunction(val); ok {
			v, err := fn(sobek.Undefined(), arg0)
			val = v
			if err != nil {
				val = rt.ToValue(false)
				exc = err
			}
		}
		b := val.ToBoolean()
		if !b {
			succ = false
		}
		s := metrics.Sample{Metric: state.Builtin.Checks, Tags: tags, Time: t}
		if b {
			s.Value = 1
		}
		metrics.PushIfNotDone(ctx, state.Samples, metrics.Samples{s})
		if exc != nil {
			return false, exc
		}
	}
	return succ, nil
}

// group is K6.Group: it sets the `group` tag to the new
// group path for the callback and emits group_duration.
func (m *k6) group(name string, val sobek.Value) (sobek.Value, error) {
	state := m.vu.State()
	if state == nil {
		return nil, errGroupInInitContext
	}
	fn, ok := sobek.AssertFunction(val)
	if val == nil || !ok {
		return nil, errors.New("group() requires a callback as a second argument")
	}
	if strings.Contains(name, groupSeparator) {
		return sobek.Undefined(), errNameContainsSep
	}
	old := state.Tags["group"]
	// lib.NewGroupPath: root is "", children are "::a::b".
	newPath := old + groupSeparator + name
	update := state.SystemTags.Has("group")
	if update {
		state.Tags = state.Tags.With("group", newPath)
	}
	defer func() {
		if update {
			state.Tags = state.Tags.With("group", old)
		}
	}()
	start := time.Now()
	ret, err := fn(sobek.Undefined())
	t := time.Now()
	metrics.PushIfNotDone(m.vu.Context(), state.Samples, metrics.Samples{{
		Metric: state.Builtin.GroupDuration, Tags: state.Tags, Time: t, Value: metrics.D(t.Sub(start)),
	}})
	return ret, err
}
