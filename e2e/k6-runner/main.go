// Command k6-runner runs a k6 v0.54.0 script on sobek with k6's constant-arrival-rate executor,
// k6/http, k6/net/grpc and the statsd output, for tests on loopback. See README.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"continuous-load.test/k6-runner/internal/executor"
	"continuous-load.test/k6-runner/internal/js"
	"continuous-load.test/k6-runner/internal/metrics"
	"continuous-load.test/k6-runner/internal/modules/execution"
	"continuous-load.test/k6-runner/internal/netext"
	"continuous-load.test/k6-runner/internal/options"
	"continuous-load.test/k6-runner/internal/output/statsd"
)

// Exit codes of k6 v0.54.0 errext/exitcodes/codes.go.
const (
	exitInvalidConfig      = 104
	exitExternalAbort      = 105
	exitCannotStartRESTAPI = 106
	exitScriptException    = 107
	exitScriptAborted      = 108
	exitGeneric            = 255 // k6 exits with -1 for errors without a code
)

var stderrMu sync.Mutex

// logf writes a logrus text-formatter line to stderr, as k6 does when stderr is not a terminal:
// time="..." level=... msg="..." [fields]. A \x1f (unit separator) in the message starts the fields.
func logf(level, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fields := ""
	if i := strings.IndexByte(msg, '\x1f'); i >= 0 {
		msg, fields = msg[:i], " "+msg[i+1:]
	}
	stderrMu.Lock()
	defer stderrMu.Unlock()
	fmt.Fprintf(os.Stderr, "time=%q level=%s msg=%s%s\n", time.Now().Format(time.RFC3339), level, quote(msg), fields)
}

var plainValue = regexp.MustCompile(`^[A-Za-z0-9\-._/@^+]+$`)

// quote is logrus' needsQuoting rule: plain values stay bare, others are %q.
func quote(s string) string {
	if plainValue.MatchString(s) {
		return s
	}
	return strconv.Quote(s)
}

type cliError struct {
	code int
	err  error
}

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

func fail(code int, err error) error { return &cliError{code: code, err: err} }

// hinted is an error with a hint (k6 errext.HasHint; js/runner.go scriptExceptionError.Hint is
// "script exception"), logged as a hint field (errext/format.go Format).
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }

func main() {
	err := run(os.Args[1:])
	if err == nil {
		os.Exit(0)
	}
	code := exitGeneric
	var ce *cliError
	if errors.As(err, &ce) {
		code = ce.code
	}
	var h *hinted
	if errors.As(err, &h) {
		logf("error", "%s\x1fhint=%s", err.Error(), quote(h.hint))
	} else {
		logf("error", "%s", err.Error())
	}
	os.Exit(code)
}

const usage = `usage: k6-runner run [--no-summary] [--no-thresholds] [--address=HOST:PORT] [--out=statsd]
                     [-e|--env KEY=VALUE]... [--hosts FILE.json] [--dns-server 127.0.0.1:PORT] SCRIPT.js
       k6-runner version`

type runFlags struct {
	address    string
	outs       []string
	env        []string
	hostsFile  string
	dnsServer  string
	script     string
	includeEnv bool
}

var userEnvVarName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

func parseRunFlags(args []string) (*runFlags, error) {
	f := &runFlags{address: "localhost:6565", includeEnv: true}
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := a, "", false
		if strings.HasPrefix(a, "--") {
			if j := strings.IndexByte(a, '='); j >= 0 {
				name, val, hasVal = a[:j], a[j+1:], true
			}
		} else if strings.HasPrefix(a, "-e") && len(a) > 2 {
			name, val, hasVal = "-e", strings.TrimPrefix(a[2:], "="), true
		}
		next := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("flag needs an argument: %s", name)
			}
			i++
			return args[i], nil
		}
		var err error
		switch {
		case name == "--no-summary" || name == "--no-thresholds":
			if hasVal && val != "true" && val != "false" {
				return nil, fmt.Errorf("invalid argument %q for %q flag: strconv.ParseBool: parsing %q: invalid syntax", val, name, val)
			}
		case name == "--include-system-env-vars":
			f.includeEnv = !hasVal || val == "true"
		case name == "--address" || name == "-a":
			f.address, err = next()
		case name == "--out" || name == "-o":
			var o string
			o, err = next()
			f.outs = append(f.outs, o)
		case name == "--env" || name == "-e":
			var e string
			e, err = next()
			f.env = append(f.env, e)
		case name == "--hosts":
			f.hostsFile, err = next()
		case name == "--dns-server":
			f.dnsServer, err = next()
		case a == "--":
			positional = append(positional, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "-") && a != "-":
			return nil, fmt.Errorf("unknown flag: %s (k6-runner accepts --no-summary, --no-thresholds, --address, --out=statsd, -e/--env, --include-system-env-vars, --hosts, --dns-server)", name)
		default:
			positional = append(positional, a)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(positional) != 1 {
		return nil, fmt.Errorf("k6-runner run needs exactly one script argument, got %d\n%s", len(positional), usage)
	}
	f.script = positional[0]
	for _, o := range f.outs {
		if o != "statsd" {
			return nil, fmt.Errorf("--out %q: this runner supports only --out=statsd (k6's statsd output, no output argument)", o)
		}
	}
	return f, nil
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("no command given\n%s", usage)
	}
	switch args[0] {
	case "version":
		fmt.Printf("k6 v0.54.0 (k6-runner, %s, %s/%s)\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	case "run":
		return runCmd(args[1:])
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

// environ is k6's state.BuildEnvMap(os.Environ()).
func environ() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if i := strings.IndexByte(kv, '='); i >= 0 {
			env[kv[:i]] = kv[i+1:]
		} else {
			env[kv] = ""
		}
	}
	return env
}

func checkLoopbackAddr(flag, addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s %q: %w", flag, addr, err)
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s %q: this runner only uses loopback addresses (an IP in 127.0.0.0/8 or ::1)", flag, addr)
	}
	return nil
}

func runCmd(args []string) error {
	f, err := parseRunFlags(args)
	if err != nil {
		return err
	}
	sysEnv := environ()
	// cmd/runtime_options.go getRuntimeOptions: `k6 run` includes the system environment
	// (K6_INCLUDE_SYSTEM_ENV_VARS / --include-system-env-vars), then -e overrides.
	if v, ok := sysEnv["K6_INCLUDE_SYSTEM_ENV_VARS"]; ok {
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			return fmt.Errorf("K6_INCLUDE_SYSTEM_ENV_VARS: %w", perr)
		}
		f.includeEnv = b
	}
	env := map[string]string{}
	if f.includeEnv {
		for k, v := range sysEnv {
			env[k] = v
		}
	}
	for _, kv := range f.env {
		k, v := kv, ""
		if i := strings.IndexByte(kv, '='); i >= 0 {
			k, v = kv[:i], kv[i+1:]
		}
		if !userEnvVarName.MatchString(k) {
			return fmt.Errorf("invalid environment variable name '%s'", k)
		}
		env[k] = v
	}
	var cliHosts *options.Hosts
	if f.hostsFile != "" {
		data, err := os.ReadFile(f.hostsFile)
		if err != nil {
			return fmt.Errorf("--hosts: %w", err)
		}
		var src map[string]string
		if err := json.Unmarshal(data, &src); err != nil {
			return fmt.Errorf("--hosts %s: want a JSON object of \"name\" or \"name:port\" -> \"ip\" or \"ip:port\" strings: %w", f.hostsFile, err)
		}
		if cliHosts, err = options.NewHosts(src); err != nil {
			return fmt.Errorf("--hosts %s: %w", f.hostsFile, err)
		}
	}
	netext.OnRefusedNameserver = func(addr string) {
		logf("warning", "A name was not found in --hosts or /etc/hosts and the system's nameserver %s is not on "+
			"loopback: this runner asks no nameserver outside loopback, so such lookups fail (error code 1100); "+
			"map the name with --hosts or pass --dns-server 127.0.0.1:PORT", addr)
	}
	var actual netext.MultiResolver
	if f.dnsServer != "" {
		if err := checkLoopbackAddr("--dns-server", f.dnsServer); err != nil {
			return err
		}
		actual = netext.DNSServerResolver(f.dnsServer)
	}
	var statsdCfg statsd.Config
	useStatsd := len(f.outs) > 0
	if useStatsd {
		// cmd/outputs.go: the outputs read the process environment.
		statsdCfg, err = statsd.ConfigFromEnv(sysEnv)
		if err != nil {
			return fmt.Errorf("could not create the 'statsd' output: %w", err)
		}
		if statsdCfg.Addr.String != "" {
			if err := statsd.CheckLoopback(statsdCfg.Addr.String); err != nil {
				return err
			}
		}
	}
	if f.address != "" {
		if err := checkLoopbackHost(f.address); err != nil {
			return err
		}
	}

	// Load the test: the init VU evaluates the script and gives the options.
	r, err := js.New(f.script, env, logf, func(w string) { logf("warning", "%s", w) })
	if err != nil {
		var se *js.ScriptException
		if errors.As(err, &se) {
			return fail(exitScriptException, &hinted{err: errors.New(se.Error()), hint: "script exception"})
		}
		var oe *js.InvalidOptionsError
		if errors.As(err, &oe) {
			return fail(exitInvalidConfig, fmt.Errorf("could not load JS test '%s': %w", scriptURL(f.script), oe.Err))
		}
		return fail(exitGeneric, fmt.Errorf("could not load JS test '%s': %w", scriptURL(f.script), err))
	}
	if err := r.Options.Validate(r.IsExecutable); err != nil {
		return fail(exitInvalidConfig, err)
	}
	r.CLIHosts = cliHosts
	r.ActualResolver = actual
	if err := r.Setup(); err != nil {
		return fail(exitInvalidConfig, err)
	}

	samples := make(chan metrics.Samples, 1000)
	r.Samples = samples
	maxPlanned, maxPossible := r.Options.VUCounts()
	state := executor.NewState(r, maxPlanned, maxPossible)
	r.Instance = func() execution.Instance { return state }

	var out *statsd.Output
	if useStatsd {
		out, err = statsd.New(statsdCfg, func(f string, a ...any) { logf("warning", f+"\x1foutput=statsd", a...) })
		if err != nil {
			return fmt.Errorf("could not create the 'statsd' output: %w", err)
		}
	}
	pumpDone := make(chan struct{})
	go func() {
		defer close(pumpDone)
		for s := range samples {
			if out != nil {
				out.AddMetricSamples([]metrics.Samples{s})
			}
		}
	}()

	globalCtx, globalCancel := context.WithCancel(context.Background())
	defer globalCancel()
	runCtx, runCancel := context.WithCancel(globalCtx)
	defer runCancel()

	if f.address != "" {
		ln, err := net.Listen("tcp", f.address)
		if err != nil {
			return fail(exitCannotStartRESTAPI, fmt.Errorf("Error from API server: %w", err)) //nolint:stylecheck
		}
		srv := &http.Server{Handler: apiHandler(state, runCtx), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer func() { _ = srv.Close() }()
	}

	sigC := make(chan os.Signal, 2)
	signal.Notify(sigC, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigC)
	var abortErr error
	var abortMu sync.Mutex
	go func() {
		sig, ok := <-sigC
		if !ok {
			return
		}
		abortMu.Lock()
		abortErr = fail(exitExternalAbort, fmt.Errorf("test run was aborted because k6 received a '%s' signal", sig))
		abortMu.Unlock()
		logf("info", "Stopping k6 in response to signal...\x1fsig=%s", sig)
		runCancel()
		if sig2, ok := <-sigC; ok {
			logf("error", "Aborting k6 in response to signal\x1fsig=%s", sig2)
			os.Exit(exitExternalAbort)
		}
	}()
	go func() {
		select {
		case <-state.Aborted():
			runCancel()
		case <-runCtx.Done():
		}
	}()

	if err := state.InitVUs(runCtx, maxPlanned); err != nil {
		var se *js.ScriptException
		if errors.As(err, &se) {
			return fail(exitScriptException, &hinted{err: errors.New(se.Error()), hint: "script exception"})
		}
		return err
	}
	vusCtx, stopVUs := context.WithCancel(runCtx)
	waitVUs := state.EmitVUs(vusCtx, samples)
	runErr := state.Run(runCtx, samples)
	stopVUs()
	waitVUs()
	close(samples)
	<-pumpDone
	if out != nil {
		if err := out.Stop(); err != nil {
			logf("error", "Stopping the statsd output: %v", err)
		}
	}
	select {
	case <-state.Aborted():
		return fail(exitScriptAborted, errors.New(state.AbortReason))
	default:
	}
	abortMu.Lock()
	defer abortMu.Unlock()
	if abortErr != nil {
		return abortErr
	}
	return runErr
}

// scriptURL is the file:// URL k6 names a local script by (loader: the absolute, cleaned path).
func scriptURL(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return "file://" + p
}

func checkLoopbackHost(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	return checkLoopbackAddr("--address", addr)
}

// apiStatus is k6 v0.54.0 api/v1/status.go Status (field order as k6 marshals it).
type apiStatus struct {
	Status  int32 `json:"status"`
	Paused  bool  `json:"paused"`
	VUs     int64 `json:"vus"`
	VUsMax  int64 `json:"vus-max"`
	Stopped bool  `json:"stopped"`
	Running bool  `json:"running"`
	Tainted bool  `json:"tainted"`
}

// apiHandler serves GET /v1/status like k6's REST API (api/v1/status_routes.go, status_jsonapi.go:
// a JSON:API document of type "status", id "default"); stopped is true once the run context ended.
func apiHandler(s *executor.State, runCtx context.Context) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/status", func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		st, started, ended := s.Status()
		body := map[string]any{"data": map[string]any{
			"type": "status", "id": "default",
			"attributes": apiStatus{
				Status: st, VUs: s.VUsActive(), VUsMax: s.VUsInitialized(),
				Stopped: runCtx.Err() != nil, Running: started && !ended,
			},
		}}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(body)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"errors":[{"status":"404","title":"not found"}]}`)
	})
	return mux
}
