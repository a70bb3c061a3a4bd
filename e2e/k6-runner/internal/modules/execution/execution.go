// Package execution is the `k6/execution` module (k6 v0.54.0 js/modules/k6/execution/execution.go):
// the default export has accessor properties scenario, vu, instance and test, each building an
// object of getters on access.
package execution

import (
	"errors"
	"time"

	"github.com/grafana/sobek"

	"continuous-load.test/k6-runner/internal/modules"
)

// Instance is what exec.instance and exec.test read from the run (k6's ExecutionState).
type Instance interface {
	CurrentTestRunDuration() time.Duration
	IterationsCompleted() uint64
	IterationsInterrupted() uint64
	VUsActive() int64
	VUsInitialized() int64
	Abort(reason string)
	OptionsJSON() []byte
}

var (
	errRunInInitContext = errors.New("getting scenario information outside of the VU context is not supported")
	errInstanceInInit   = errors.New("getting instance information in the init context is not supported")
	errVUInInit         = errors.New("getting VU information in the init context is not supported")
	errTestInInit       = errors.New("getting test information in the init context is not supported")
)

// New returns the module's exports for vu; inst may be nil (the init VU).
func New(vu modules.VU, inst func() Instance) map[string]any {
	rt := vu.Runtime()
	o := rt.NewObject()
	def := func(name string, f func() (*sobek.Object, error)) {
		_ = o.DefineAccessorProperty(name, rt.ToValue(func() sobek.Value {
			obj, err := f()
			if err != nil {
				modules.Throw(rt, err)
			}
			return obj
		}), nil, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	}
	def("instance", func() (*sobek.Object, error) {
		if vu.State() == nil || inst() == nil {
			return nil, errInstanceInInit
		}
		es := inst()
		return infoObj(rt, map[string]func() any{
			"currentTestRunDuration": func() any { return float64(es.CurrentTestRunDuration()) / float64(time.Millisecond) },
			"iterationsCompleted":    func() any { return es.IterationsCompleted() },
			"iterationsInterrupted":  func() any { return es.IterationsInterrupted() },
			"vusActive":              func() any { return es.VUsActive() },
			"vusInitialized":         func() any { return es.VUsInitialized() },
		})
	})
	def("scenario", func() (*sobek.Object, error) {
		st := vu.State()
		if st == nil {
			return nil, errRunInInitContext
		}
		ss := func() *modules.ScenarioState {
			s := modules.GetScenarioState(vu.Context())
			if s == nil {
				modules.Throw(rt, errRunInInitContext)
			}
			return s
		}
		return infoObj(rt, map[string]func() any{
			"name":     func() any { return ss().Name },
			"executor": func() any { return ss().Executor },
			// milliseconds since the epoch, like JS timestamps
			"startTime": func() any { return ss().StartTime.UnixNano() / int64(time.Millisecond) },
			"progress": func() any {
				p, _ := ss().ProgressFn()
				return p
			},
			"iterationInInstance": func() any {
				if st.GetScenarioLocalVUIter == nil {
					modules.Throw(rt, errRunInInitContext)
				}
				return st.GetScenarioLocalVUIter()
			},
			"iterationInTest": func() any {
				if st.GetScenarioGlobalVUIter == nil {
					modules.Throw(rt, errRunInInitContext)
				}
				return st.GetScenarioGlobalVUIter()
			},
		})
	})
	def("test", func() (*sobek.Object, error) {
		if vu.State() == nil || inst() == nil {
			return nil, errTestInInit
		}
		es := inst()
		return infoObj(rt, map[string]func() any{
			"abort": func() any {
				return func(reason sobek.Value) {
					r := "test aborted"
					if reason != nil && !sobek.IsUndefined(reason) {
						r = "test aborted: " + reason.String()
					}
					es.Abort(r)
					modules.Throw(rt, errors.New(r))
				}
			},
			"options": func() any {
				parse, _ := sobek.AssertFunction(rt.GlobalObject().Get("JSON").ToObject(rt).Get("parse"))
				v, err := parse(sobek.Undefined(), rt.ToValue(string(es.OptionsJSON())))
				if err != nil {
					modules.Throw(rt, err)
				}
				return v
			},
		})
	})
	def("vu", func() (*sobek.Object, error) {
		st := vu.State()
		if st == nil {
			return nil, errVUInInit
		}
		tags := rt.NewDynamicObject(&tagsObject{rt: rt, st: st})
		o, err := infoObj(rt, map[string]func() any{
			"idInInstance":        func() any { return st.VUID },
			"idInTest":            func() any { return st.VUIDGlobal },
			"iterationInInstance": func() any { return st.Iteration },
			"iterationInScenario": func() any {
				if st.GetScenarioVUIter == nil {
					return 0
				}
				return st.GetScenarioVUIter()
			},
		})
		if err != nil {
			return nil, err
		}
		// newVUInfo: tags (kept for compatibility) and metrics.tags are the same live object.
		if err := o.Set("tags", tags); err != nil {
			return nil, err
		}
		m, err := infoObj(rt, map[string]func() any{"tags": func() any { return tags }})
		if err != nil {
			return nil, err
		}
		return o, o.Set("metrics", m)
	})
	return map[string]any{"default": o}
}

// infoObj is newInfoObj: an object of enumerable getters.
func infoObj(rt *sobek.Runtime, props map[string]func() any) (*sobek.Object, error) {
	o := rt.NewObject()
	for p, get := range props {
		if err := o.DefineAccessorProperty(p, rt.ToValue(get), nil, sobek.FLAG_FALSE, sobek.FLAG_TRUE); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// tagsObject is execution.go tagsDynamicObject: the VU's current tags, writable from the script.
type tagsObject struct {
	rt *sobek.Runtime
	st *modules.State
}

func (o *tagsObject) Get(key string) sobek.Value {
	if v, ok := o.st.Tags[key]; ok {
		return o.rt.ToValue(v)
	}
	return nil
}

func (o *tagsObject) Set(key string, val sobek.Value) bool {
	t, err := modules.ApplyCustomUserTags(o.rt, o.st.Tags, o.rt.ToValue(map[string]any{key: val}))
	if err != nil {
		panic(o.rt.NewTypeError(err.Error()))
	}
	o.st.Tags = t
	return true
}

func (o *tagsObject) Has(key string) bool {
	_, ok := o.st.Tags[key]
	return ok
}

func (o *tagsObject) Delete(key string) bool {
	o.st.Tags = o.st.Tags.Without(key)
	return true
}

func (o *tagsObject) Keys() []string {
	keys := make([]string, 0, len(o.st.Tags))
	for k := range o.st.Tags {
		keys = append(keys, k)
	}
	return keys
}
