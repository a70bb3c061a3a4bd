package js

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/grafana/sobek"

	"continuous-load.test/k6-runner/internal/modules"
	"continuous-load.test/k6-runner/internal/modules/execution"
	"continuous-load.test/k6-runner/internal/modules/grpc"
	"continuous-load.test/k6-runner/internal/modules/http"
	k6mod "continuous-load.test/k6-runner/internal/modules/k6"
	kmetrics "continuous-load.test/k6-runner/internal/modules/metrics"
)

// moduleSystem resolves imports for one VU: k6 modules are Go module records, relative and
// absolute paths are ES module files (k6 v0.54.0 js/modules/resolution.go ModuleResolver).
type moduleSystem struct {
	vu    *VU
	cache map[string]sobek.ModuleRecord
}

func (ms *moduleSystem) goModule(name string) (func(modules.VU) map[string]any, bool) {
	switch name {
	case "k6":
		return k6mod.New, true
	case "k6/http":
		return http.New, true
	case "k6/metrics":
		return kmetrics.New, true
	case "k6/execution":
		r := ms.vu.runner
		return func(vu modules.VU) map[string]any {
			return execution.New(vu, func() execution.Instance {
				if r.Instance == nil {
					return nil
				}
				return r.Instance()
			})
		}, true
	case "k6/net/grpc":
		return grpc.New, true
	}
	return nil, false
}

// resolve is the HostResolveImportedModuleFunc.
func (ms *moduleSystem) resolve(referencing any, specifier string) (sobek.ModuleRecord, error) {
	if m, ok := ms.cache[specifier]; ok {
		return m, nil
	}
	if f, ok := ms.goModule(specifier); ok {
		m := &goModule{vu: ms.vu, newExports: f}
		ms.cache[specifier] = m
		return m, nil
	}
	if strings.HasPrefix(specifier, "k6/") || specifier == "k6" {
		return nil, fmt.Errorf("unknown module: %s", specifier)
	}
	base := filepath.Dir(ms.vu.runner.ScriptPath)
	if rm, ok := referencing.(*sobek.SourceTextModuleRecord); ok {
		for p, m := range ms.cache {
			if m == rm {
				base = filepath.Dir(p)
			}
		}
	}
	if !strings.HasPrefix(specifier, ".") && !strings.HasPrefix(specifier, "/") {
		return nil, fmt.Errorf("the module %q is not supported by this runner (only k6, k6/http, k6/net/grpc, k6/execution, k6/metrics and relative files)", specifier)
	}
	p := specifier
	if !filepath.IsAbs(p) {
		p = filepath.Join(base, p)
	}
	if m, ok := ms.cache[p]; ok {
		return m, nil
	}
	src, err := os.ReadFile(p) //nolint:gosec
	if err != nil {
		return nil, err
	}
	return ms.parse(p, string(src))
}

func (ms *moduleSystem) parse(path, src string) (sobek.ModuleRecord, error) {
	m, err := sobek.ParseModule("file://"+path, src, ms.resolve)
	if err != nil {
		return nil, err
	}
	ms.cache[path] = m
	return m, nil
}

// runMain is ModuleSystem.RunSourceData: parse, link, evaluate; a rejected evaluation is the
// script's init error.
func (ms *moduleSystem) runMain(path, src string) (sobek.ModuleRecord, error) {
	m, err := ms.parse(path, src)
	if err != nil {
		return nil, err
	}
	if err := m.Link(); err != nil {
		return nil, err
	}
	rt := ms.vu.rt
	p := rt.CyclicModuleRecordEvaluate(m.(sobek.CyclicModuleRecord), ms.resolve)
	switch p.State() {
	case sobek.PromiseStateRejected:
		res := p.Result()
		if e, ok := res.Export().(error); ok {
			return nil, e
		}
		return nil, fmt.Errorf("%s", res.String())
	case sobek.PromiseStateFulfilled:
		return m, nil
	default:
		return nil, fmt.Errorf("top-level await is not supported")
	}
}

// goModule is a module implemented in Go, as k6 v0.54.0 js/modules/gomodule.go goModule: a
// CyclicModuleRecord whose instance hands out the Go exports.
type goModule struct {
	vu         *VU
	newExports func(modules.VU) map[string]any
	names      []string
}

func (gm *goModule) Link() error                            { return nil }
func (gm *goModule) RequestedModules() []string             { return nil }
func (gm *goModule) InitializeEnvironment() error           { return nil }
func (gm *goModule) Evaluate(*sobek.Runtime) *sobek.Promise { panic("this shouldn't happen") }

func (gm *goModule) Instantiate(rt *sobek.Runtime) (sobek.CyclicModuleInstance, error) {
	ex := gm.newExports(gm.vu)
	if gm.names == nil {
		for k := range ex {
			gm.names = append(gm.names, k)
		}
	}
	return &goModuleInstance{rt: rt, exports: ex}, nil
}

func (gm *goModule) GetExportedNames(cb func([]string), _ ...sobek.ModuleRecord) bool {
	if gm.names == nil {
		ex := gm.newExports(gm.vu)
		for k := range ex {
			gm.names = append(gm.names, k)
		}
	}
	cb(gm.names)
	return true
}

func (gm *goModule) ResolveExport(name string, _ ...sobek.ResolveSetElement) (*sobek.ResolvedBinding, bool) {
	return &sobek.ResolvedBinding{Module: gm, BindingName: name}, false
}

type goModuleInstance struct {
	rt      *sobek.Runtime
	exports map[string]any
	def     sobek.Value
}

func (gmi *goModuleInstance) ExecuteModule(*sobek.Runtime, func(any), func(any)) (sobek.CyclicModuleInstance, error) {
	return gmi, nil
}
func (gmi *goModuleInstance) HasTLA() bool { return false }

// GetBindingValue: "default" is the module's default export, or an object of its named exports.
func (gmi *goModuleInstance) GetBindingValue(name string) sobek.Value {
	if name == "default" {
		if gmi.def == nil {
			if d, ok := gmi.exports["default"]; ok {
				gmi.def = gmi.rt.ToValue(d)
			} else {
				o := gmi.rt.NewObject()
				for k, v := range gmi.exports {
					_ = o.Set(k, v)
				}
				gmi.def = o
			}
		}
		return gmi.def
	}
	if v, ok := gmi.exports[name]; ok {
		return gmi.rt.ToValue(v)
	}
	if d, ok := gmi.exports["default"]; ok {
		return gmi.rt.ToValue(d).ToObject(gmi.rt).Get(name)
	}
	return sobek.Undefined()
}
