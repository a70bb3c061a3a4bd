// Package metrics is the `k6/metrics` module (k6 v0.54.0 js/modules/k6/metrics/metrics.go).
package metrics

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/sobek"

	km "continuous-load.test/k6-runner/internal/metrics"
	"continuous-load.test/k6-runner/internal/modules"
)

var errAddInInit = errors.New("Adding to metrics in the init context is not supported") //nolint:stylecheck

// New returns the module's exports: the Counter, Gauge, Trend and Rate constructors.
func New(vu modules.VU) map[string]any {
	rt := vu.Runtime()
	ctor := func(t km.MetricType) func(sobek.ConstructorCall) *sobek.Object {
		return func(call sobek.ConstructorCall) *sobek.Object {
			o, err := newMetric(vu, call, t)
			if err != nil {
				modules.Throw(rt, err)
			}
			return o
		}
	}
	return map[string]any{
		"Counter": ctor(km.Counter),
		"Gauge":   ctor(km.Gauge),
		"Trend":   ctor(km.Trend),
		"Rate":    ctor(km.Rate),
	}
}

// newMetric is ModuleInstance.newMetric: init context only; (name, isTime) registers the metric.
func newMetric(vu modules.VU, call sobek.ConstructorCall, t km.MetricType) (*sobek.Object, error) {
	env := vu.InitEnv()
	if env == nil {
		return nil, errors.New("metrics must be declared in the init context")
	}
	rt := vu.Runtime()
	var name string
	if len(call.Arguments) > 0 {
		name = call.Arguments[0].String()
	}
	vt := km.Default
	if len(call.Arguments) > 1 && call.Arguments[1].ToBoolean() {
		vt = km.Time
	}
	m, err := env.Registry.NewMetric(name, t, vt)
	if err != nil {
		return nil, err
	}
	o := rt.NewObject()
	if err := o.DefineDataProperty("name", rt.ToValue(name), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE); err != nil {
		return nil, err
	}
	mm := &metric{m: m, vu: vu}
	if err := o.Set("add", rt.ToValue(mm.add)); err != nil {
		return nil, err
	}
	return o, nil
}

type metric struct {
	m  *km.Metric
	vu modules.VU
}

func limitValue(v string) string {
	r := []rune(v)
	if len(r) < 100 {
		return v
	}
	return strings.Join([]string{string(r[:50]), string(r[len(r)-50:])},
		"... omitting "+strconv.Itoa(len(r)-100)+" characters ...")
}

// add is Metric.add: booleans count as 1/0, NaN and null are refused (a warning unless throw),
// the tags argument must hold primitive values.
func (mm *metric) add(v sobek.Value, addTags sobek.Value) (bool, error) {
	state := mm.vu.State()
	if state == nil {
		return false, errAddInInit
	}
	raise := func(err error) (bool, error) {
		if state.Options.Throw.Bool {
			return false, err
		}
		state.Logf("warning", "%s", err)
		return false, nil
	}
	raiseNan := func() (bool, error) {
		return raise(fmt.Errorf("'%s' is an invalid value for metric '%s', a number or a boolean value is expected",
			limitValue(v.String()), mm.m.Name))
	}
	if v == nil {
		return raise(fmt.Errorf("no value was provided for metric '%s', a number or a boolean value is expected", mm.m.Name))
	}
	if sobek.IsNull(v) {
		return raiseNan()
	}
	f := v.ToFloat()
	if f == 0 && v.ToBoolean() {
		f = 1.0
	}
	if math.IsNaN(f) {
		return raiseNan()
	}
	tags, err := modules.ApplyCustomUserTags(mm.vu.Runtime(), state.Tags, addTags)
	if err != nil {
		return false, fmt.Errorf("cannot add tags for the '%s' custom metric: %w", mm.m.Name, err)
	}
	km.PushIfNotDone(mm.vu.Context(), state.Samples, km.Samples{{Metric: mm.m, Tags: tags, Time: time.Now(), Value: f}})
	return true, nil
}
