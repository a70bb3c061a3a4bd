// Package js runs a k6 script on sobek: one runtime per VU that evaluates the script as an ES
// module (k6 v0.54.0 js/bundle.go instantiate, js/modules/resolution.go RunSourceData), with the
// k6 modules implemented in Go, and runs its exported functions as iterations (js/runner.go).
package js

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/grafana/sobek"

	"continuous-load.test/k6-runner/internal/metrics"
	"continuous-load.test/k6-runner/internal/modules"
	"continuous-load.test/k6-runner/internal/modules/execution"
	"continuous-load.test/k6-runner/internal/netext"
	"continuous-load.test/k6-runner/internal/options"
)

// Logf logs one line at a level (info, warning, error, debug).
type Logf func(level, format string, args ...any)

// Runner holds what every VU shares.
type Runner struct {
	ScriptPath string // absolute
	Source     string
	Env        map[string]string
	Registry   *metrics.Registry
	Builtin    *metrics.Builtin
	Logf       Logf
	// Set after the init VU ran:
	Options    options.Options
	SystemTags metrics.SystemTagSet
	RunTags    metrics.Tags
	Resolver   netext.Resolver
	Hosts      *options.Hosts
	// CLIHosts are merged over the script's hosts (--hosts).
	CLIHosts *options.Hosts
	// ActualResolver resolves names (system resolver or --dns-server).
	ActualResolver netext.MultiResolver
	Instance       func() execution.Instance
	Samples        chan metrics.Samples

	filesMu     sync.Mutex
	files       map[string][]byte
	initDone    bool
	exportNames []string
}

// ScriptException is an exception thrown by the script (k6 scriptExceptionError, exit code 107).
type ScriptException struct{ Exc *sobek.Exception }

func (e *ScriptException) Error() string { return e.Exc.String() }

// errInterrupted marks an iteration interrupted by its context.
var errInterrupted = errors.New("context cancelled")

// New reads the script and runs the init VU (vuID 0), taking the options from its exports as
// k6 v0.54.0 js/bundle.go NewBundle/populateExports does.
func New(scriptPath string, env map[string]string, logf Logf, warn func(string)) (*Runner, error) {
	abs, err := filepath.Abs(scriptPath)
	if err != nil {
		return nil, err
	}
	src, err := os.ReadFile(abs) //nolint:gosec
	if err != nil {
		return nil, err
	}
	reg := metrics.NewRegistry()
	r := &Runner{
		ScriptPath: abs, Source: string(src), Env: env, Registry: reg,
		Builtin: metrics.RegisterBuiltin(reg), Logf: logf, files: map[string][]byte{},
	}
	vu, err := r.newVUInit(context.Background(), 0)
	if err != nil {
		return nil, err
	}
	r.initDone = true
	if v := vu.exported("options"); v != nil && !sobek.IsUndefined(v) && !sobek.IsNull(v) {
		data, err := json.Marshal(v.Export())
		if err != nil {
			return nil, fmt.Errorf("error parsing script options: %w", err)
		}
		r.Options, err = options.Decode(data, warn)
		if err != nil {
			return nil, &InvalidOptionsError{Err: err}
		}
	}
	for _, n := range vu.exportNames {
		_, isFn := sobek.AssertFunction(vu.exported(n))
		switch {
		case (n == "setup" || n == "teardown") && !isFn:
			// js/bundle.go populateExports.
			return nil, fmt.Errorf("exported '%s' must be a function", n)
		case n == "setup" || n == "teardown":
			return nil, &InvalidOptionsError{Err: fmt.Errorf("the script exports %s(), which this runner does not run (k6-runner limit)", n)}
		case isFn && n != "options":
			r.exportNames = append(r.exportNames, n)
		}
	}
	if len(r.exportNames) == 0 {
		return nil, errors.New("no exported functions in script")
	}
	return r, nil
}

// InvalidOptionsError is an options decoding error (k6 exit code 104).
type InvalidOptionsError struct{ Err error }

func (e *InvalidOptionsError) Error() string { return e.Err.Error() }
func (e *InvalidOptionsError) Unwrap() error { return e.Err }

// IsExecutable says whether name is an exported function (Runner.IsExecutable).
func (r *Runner) IsExecutable(name string) bool {
	for _, n := range r.exportNames {
		if n == name {
			return true
		}
	}
	return false
}

// Setup finishes the runner's configuration from the options (Runner.SetOptions): system tags,
// run tags, hosts and the DNS resolver.
func (r *Runner) Setup() error {
	r.SystemTags = r.Options.SystemTagSet()
	r.RunTags = metrics.Tags{}
	for k, v := range r.Options.RunTags {
		r.RunTags[k] = v
	}
	r.Hosts = r.Options.Hosts
	if r.CLIHosts != nil {
		r.Hosts = r.Hosts.Merge(r.CLIHosts)
	}
	dns := r.Options.DNS
	ttl, err := options.ParseTTL(dns.TTL)
	if err != nil {
		return err
	}
	sel, pol := options.DNSRandom, options.DNSPreferIPv4
	if dns.SelectSet {
		sel = dns.Select
	}
	if dns.PolicySet {
		pol = dns.Policy
	}
	if r.ActualResolver == nil {
		r.ActualResolver = netext.SystemResolver
	}
	r.Resolver = netext.NewResolver(r.ActualResolver, ttl, sel, pol)
	return nil
}

// VU is one virtual user: its own sobek runtime with the evaluated script.
type VU struct {
	ID, IDGlobal uint64
	runner       *Runner
	rt           *sobek.Runtime
	ctx          context.Context
	state        *modules.State
	initEnv      *modules.InitEnv
	main         sobek.ModuleRecord
	exportNames  []string
	iteration    int64
	scenarioIter map[string]uint64

	Dialer    *netext.Dialer
	Transport *http.Transport
}

func (v *VU) Runtime() *sobek.Runtime   { return v.rt }
func (v *VU) State() *modules.State     { return v.state }
func (v *VU) Context() context.Context  { return v.ctx }
func (v *VU) InitEnv() *modules.InitEnv { return v.initEnv }
func (v *VU) exported(name string) sobek.Value {
	mi := v.rt.GetModuleInstance(v.main)
	if mi == nil {
		return nil
	}
	return mi.GetBindingValue(name)
}

// NewVU initializes a VU for the run (Runner.newVU): the script's init code, a dialer with the
// hosts and resolver, and an http.Transport as k6 builds it.
func (r *Runner) NewVU(ctx context.Context, id uint64) (*VU, error) {
	vu, err := r.newVUInit(ctx, id)
	if err != nil {
		return nil, err
	}
	vu.IDGlobal = id
	vu.Dialer = &netext.Dialer{
		Dialer:           net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second},
		Resolver:         r.Resolver,
		Hosts:            r.Hosts,
		Blacklist:        r.Options.BlacklistIPs,
		BlockedHostnames: r.Options.BlockedHostnames,
	}
	batch, perHost := int64(20), int64(6) // lib/options.go defaults of batch and batchPerHost
	if r.Options.Batch.Valid {
		batch = r.Options.Batch.Int64
	}
	if r.Options.BatchPerHost.Valid {
		perHost = r.Options.BatchPerHost.Int64
	}
	// js/runner.go newVU: no proxy here (the runner talks to loopback only).
	vu.Transport = &http.Transport{
		DialContext:         vu.Dialer.DialContext,
		DisableCompression:  true,
		DisableKeepAlives:   r.Options.NoConnectionReuse.Bool,
		MaxIdleConns:        int(batch),
		MaxIdleConnsPerHost: int(perHost),
	}
	return vu, nil
}

func (r *Runner) newVUInit(ctx context.Context, id uint64) (*VU, error) {
	rt := sobek.New()
	vu := &VU{ID: id, runner: r, rt: rt, ctx: ctx, iteration: -1, scenarioIter: map[string]uint64{}}
	vu.initEnv = &modules.InitEnv{Registry: r.Registry}
	// js/bundle.go setupJSRuntime: __ENV, __VU, console; setInitGlobals: open.
	env := make(map[string]string, len(r.Env))
	for k, v := range r.Env {
		env[k] = v
	}
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(rt.Set("__ENV", env))
	must(rt.Set("__VU", id))
	must(rt.Set("console", r.console(rt)))
	must(rt.Set("open", func(filename string, args ...string) (sobek.Value, error) {
		if vu.state != nil {
			return nil, fmt.Errorf("the \"%s\" function is only available in the init stage "+
				"(i.e. the global scope), see https://grafana.com/docs/k6/latest/using-k6/test-lifecycle/ for more information", "open")
		}
		if filename == "" {
			return nil, errors.New("open() can't be used with an empty filename")
		}
		data, err := r.open(filename)
		if err != nil {
			return nil, err
		}
		if len(args) > 0 && args[0] == "b" {
			ab := rt.NewArrayBuffer(data)
			return rt.ToValue(&ab), nil
		}
		return rt.ToValue(string(data)), nil
	}))
	// k6 extended compatibility mode: `global` is globalThis.
	must(rt.Set("global", rt.GlobalObject()))

	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			rt.Interrupt(ctx.Err())
		case <-done:
		}
	}()
	defer close(done)

	ms := &moduleSystem{vu: vu, cache: map[string]sobek.ModuleRecord{}}
	var main sobek.ModuleRecord
	call, _ := sobek.AssertFunction(rt.ToValue(func() error {
		var err error
		main, err = ms.runMain(r.ScriptPath, r.Source)
		return err
	}))
	_, err := call(nil)
	vu.initEnv = nil
	if err != nil {
		var exc *sobek.Exception
		if errors.As(err, &exc) {
			return nil, &ScriptException{Exc: exc}
		}
		return nil, err
	}
	vu.main = main
	ch := make(chan struct{})
	main.GetExportedNames(func(names []string) {
		vu.exportNames = names
		close(ch)
	})
	<-ch
	return vu, nil
}

// open reads a file relative to the script; VUs after the init VU only get files it opened
// (js/initcontext.go openImpl + allowOnlyOpenedFiles).
func (r *Runner) open(filename string) ([]byte, error) {
	p := filename
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(r.ScriptPath), p)
	}
	r.filesMu.Lock()
	defer r.filesMu.Unlock()
	if d, ok := r.files[p]; ok {
		return d, nil
	}
	if r.initDone {
		return nil, fmt.Errorf("open() can't be used with files that weren't previously opened during initialization (__VU==0), path: %q", filename)
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("open %s: no such file or directory", p)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("open() can't be used with directories, path: %q", p)
	}
	d, err := os.ReadFile(p) //nolint:gosec
	if err != nil {
		return nil, err
	}
	r.files[p] = d
	return d, nil
}

// console is js/console.go: arguments joined by spaces, objects as JSON.
func (r *Runner) console(rt *sobek.Runtime) *sobek.Object {
	o := rt.NewObject()
	mk := func(level string) func(args ...sobek.Value) {
		return func(args ...sobek.Value) {
			parts := make([]string, len(args))
			for i, a := range args {
				parts[i] = a.String()
				if obj, ok := a.(*sobek.Object); ok {
					if b, err := json.Marshal(obj); err == nil {
						parts[i] = string(b)
					}
				}
			}
			r.Logf(level, "%s\x1fsource=console", strings.Join(parts, " "))
		}
	}
	_ = o.Set("log", mk("info"))
	_ = o.Set("info", mk("info"))
	_ = o.Set("debug", mk("debug"))
	_ = o.Set("warn", mk("warning"))
	_ = o.Set("error", mk("error"))
	return o
}
