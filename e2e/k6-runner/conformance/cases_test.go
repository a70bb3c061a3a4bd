package conformance

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// conformanceCase is one row of the suite: what k6 v0.54.0 source it reproduces and the run that checks it.
type conformanceCase struct {
	name string
	// k6 is the k6 v0.54.0 source (file + function) whose behaviour the expected lines come from.
	k6  []string
	run func(t *testing.T)
}

var cases = []conformanceCase{
	{
		name: "http-200-expected-statuses",
		k6: []string{
			"lib/netext/httpext/transport.go transport.measureAndEmitMetrics (name/url/method/status/proto/expected_response tags, http_req_failed)",
			"lib/netext/httpext/tracer.go Trail.SaveSamples (http_reqs + 7 http_req_* trends)",
			"js/runner.go VU.runFn + iterationSamples (iterations, iteration_duration), lib/netext/dialer.go Dialer.IOSamples (data_sent/data_received per iteration)",
			"js/modules/k6/k6.go K6.Check + output/statsd/output.go Output.dispatch/checkToString (check.<name>.pass)",
			"execution/scheduler.go Scheduler.emitVUsAndVUsMax (vus/vus_max with run tags every 1s)",
			"output/statsd/config.go newConfig (blocklist vu,iter,url) + processTags (empty values dropped)",
		},
		run: testHTTP200,
	},
	{
		name: "http-200-url-not-blocklisted",
		k6:   []string{"output/statsd/config.go processTags (only K6_STATSD_TAG_BLOCKLIST filters, custom tags too)", "metrics/tags.go EnabledTags.UnmarshalText (names trimmed, empty skipped)", "lib/netext/httpext/transport.go measureAndEmitMetrics (url = name = cleaned URL)"},
		run:  testHTTPURLTag,
	},
	{
		name: "tags-disabled-namespace-buffer",
		k6: []string{
			"output/statsd/output.go Output.dispatch (no tag list unless EnableTags) + Output.Start (Namespace)",
			"vendor/github.com/DataDog/datadog-go/statsd/statsd.go NewBuffered/append (flush at K6_STATSD_BUFFER_SIZE lines)",
		},
		run: testTagsDisabled,
	},
	{
		name: "http-timeout-1050",
		k6: []string{
			"lib/netext/httpext/transport.go transport.RoundTrip (net.Error Timeout -> K6Error requestTimeoutErrorCode)",
			"lib/netext/httpext/error_codes.go requestTimeoutErrorCode 1050 \"request timeout\"",
			"lib/netext/httpext/transport.go measureAndEmitMetrics (error, error_code, status 0, no proto; expected_response false -> http_req_failed 1)",
		},
		run: func(t *testing.T) {
			testHTTPError(t, "http://"+newHangFixture(t)+"/hang", nil, "1050", exactTag("request timeout"))
		},
	},
	{
		name: "http-connection-refused-1212",
		k6: []string{
			"lib/netext/httpext/error_codes.go errorCodeForNetOpError (dial + ECONNREFUSED -> tcpDialRefusedErrorCode 1212 \"dial: connection refused\")",
		},
		run: func(t *testing.T) {
			testHTTPError(t, "http://"+closedPort(t)+"/refused", nil, "1212", exactTag("dial: connection refused"))
		},
	},
	{
		name: "http-dns-nxdomain-1101",
		k6: []string{
			"lib/netext/dialer.go Dialer.findRemote (Resolver.LookupIP error returned as is), js/runner.go (net.LookupIP resolver)",
			"lib/netext/httpext/error_codes.go errorCodeForError (*net.DNSError \"no such host\" -> dnsNoSuchHostErrorCode 1101 \"lookup: no such host\")",
		},
		run: func(t *testing.T) {
			dns := newDNSFixture(t, dnsmessage.RCodeNameError)
			testHTTPError(t, "http://nxdomain.conformance.test/x", []string{"--dns-server", dns.addr}, "1101", exactTag("lookup: no such host"))
			if dns.queries.Load() == 0 {
				t.Errorf("the DNS fixture at %s got no query: --dns-server was not used", dns.addr)
			}
		},
	},
	{
		name: "http-dns-servfail-1100",
		k6: []string{
			"lib/netext/httpext/error_codes.go errorCodeForError (*net.DNSError other than \"no such host\" -> defaultDNSErrorCode 1100, message err.Error())",
		},
		run: func(t *testing.T) {
			dns := newDNSFixture(t, dnsmessage.RCodeServerFailure)
			testHTTPError(t, "http://servfail.conformance.test/x", []string{"--dns-server", dns.addr}, "1100",
				func(v string) error {
					// Go's resolver: DNSError{Err: "server misbehaving"}.Error() = "lookup <name> on <server>: server misbehaving".
					if !strings.HasPrefix(v, "lookup servfail.conformance.test") || !strings.HasSuffix(v, ": server misbehaving") {
						return fmt.Errorf("want \"lookup servfail.conformance.test... on <server>: server misbehaving\"")
					}
					return nil
				})
			if dns.queries.Load() == 0 {
				t.Errorf("the DNS fixture at %s got no query: --dns-server was not used", dns.addr)
			}
		},
	},
	{
		name: "http-404-name-tag-credentials-no-callback",
		k6: []string{
			"lib/netext/httpext/transport.go measureAndEmitMetrics (status >= 400 -> error_code 1000+status, no error tag; a user name tag is also the url tag; no responseCallback -> no expected_response, no http_req_failed)",
			"lib/netext/httpext/url.go URL.Clean (credentials masked as ****:****)",
			"lib/netext/httpext/transport.go RoundTrip/processLastSavedRequest (each hop of a followed redirect measured on its own)",
			"js/modules/k6/http/response_callback.go SetResponseCallback/expectedStatuses",
		},
		run: testHTTPVariants,
	},
	{
		name: "groups",
		k6: []string{
			"js/modules/k6/k6.go K6.Group (group tag = lib/models.go NewGroupPath \"::login\", group_duration pushed with the group's tags before they are restored)",
		},
		run: testGroups,
	},
	{
		name: "many-samples-none-lost",
		k6: []string{
			"output/statsd/output.go Output.flushMetrics (every buffered sample dispatched, then Flush)",
			"datadog-go statsd.go append/flushLocked (20 lines per flush, frames of at most 1432 bytes)",
		},
		run: testManySamples,
	},
	{
		name: "push-interval-5s-flushes-at-exit",
		k6: []string{
			"output/statsd/config.go (K6_STATSD_PUSH_INTERVAL) + output/statsd/output.go Output.Start/Stop (PeriodicFlusher: one flush per interval and a last one on Stop)",
		},
		run: testPushInterval,
	},
	{
		name: "push-interval-number-is-ms",
		k6: []string{
			"lib/types/types.go NullDuration.UnmarshalText -> ParseExtendedDuration (a plain number is milliseconds) for K6_STATSD_PUSH_INTERVAL",
		},
		run: testPushIntervalMillis,
	},
	{
		name: "grpc-ok-with-reflection",
		k6: []string{
			"lib/netext/grpcext/conn.go statsHandler.HandleRPC (grpc_req_duration on stats.End with status tag)",
			"js/modules/k6/grpc/params.go callParams.SetSystemTags (service, method = short name, name = /full/method, url)",
			"js/modules/k6/grpc/client.go Client.Connect (reflection on a ctx cancelled when Connect returns) + lib/netext/grpcext/reflect.go + jhump/protoreflect grpcreflect Client (stream never closed) -> the reflection stream's End comes on a done ctx: PushIfNotDone pushes nothing",
		},
		run: testGRPCOK,
	},
	{
		name: "grpc-connect-without-reflection-service",
		k6: []string{
			"js/modules/k6/grpc/client.go Connect -> lib/netext/grpcext/reflect.go Reflect (\"can't list services: %w\")",
			"vendor/github.com/jhump/protoreflect/grpcreflect/client.go doSendLocked (v1 stream, Unimplemented -> v1alpha, then one more v1alpha attempt: 3 streams) + initStreamLocked + resetLocked (cancels the stream ctx only after Recv returned the error)",
			"lib/netext/grpcext/conn.go statsHandler.HandleRPC (no rpcState for reflection streams: the VU's tags + status; the ctx is still live when each stream ends, so each End is pushed)",
		},
		run: testGRPCNoReflection,
	},
	{
		name: "grpc-deadline-exceeded-no-sample",
		k6: []string{
			"lib/netext/grpcext/conn.go Conn.Invoke (context.WithTimeout) + statsHandler.HandleRPC (metrics.PushIfNotDone on the RPC ctx, done at the deadline)",
			"lib/netext/grpcext/conn.go Conn.Invoke (response.Status = status.Convert(err).Code() = 4)",
		},
		run: testGRPCDeadline,
	},
	{
		name: "grpc-unavailable-sample",
		k6: []string{
			"lib/netext/grpcext/conn.go statsHandler.HandleRPC (End with an error on a live ctx: pushed with status 14)",
		},
		run: testGRPCUnavailable,
	},
	{
		name: "checks-pass-fail-tags",
		k6: []string{
			"js/modules/k6/k6.go K6.Check (one checks sample per check, value 1/0, check tag when systemTags has check, extra tags)",
			"output/statsd/output.go Output.dispatch + checkToString (Rate with a check tag -> Count(check.<name>.pass|fail, 1))",
		},
		run: testChecks,
	},
	{
		name: "checks-without-check-system-tag",
		k6: []string{
			"js/modules/k6/k6.go K6.Check (no check tag when systemTags lacks check)",
			"output/statsd/output.go Output.dispatch (Rate without check tag -> Count(checks, int64(value)))",
		},
		run: testChecksNoCheckTag,
	},
	{
		name: "dropped-iterations",
		k6: []string{
			"lib/executor/constant_arrival_rate.go ConstantArrivalRate.Run (dropped_iterations 1 per tick without a free VU)",
			"lib/executor/base_executor.go BaseExecutor.getMetricTags (run tags + scenario only, no scenario tags)",
		},
		run: testDropped,
	},
	{
		name: "refused-options",
		k6: []string{
			"js/bundle.go Bundle.populateExports (options JSON decode error -> exitcodes.InvalidConfig 104)",
			"lib/executors.go ScenarioConfigs.UnmarshalJSON/GetParsedExecutorConfig, lib/helpers.go StrictJSONUnmarshal, gopkg.in/guregu/null.v3 Int.UnmarshalJSON",
			"lib/executor/constant_arrival_rate.go ConstantArrivalRateConfig.Validate, lib/executors.go ScenarioConfigs.Validate, cmd/config.go validateConfig/consolidateErrorMessage/deriveAndValidateConfig (104)",
		},
		run: testRefusedOptions,
	},
	{
		name: "script-errors",
		k6: []string{
			"js/bundle.go instantiate (the module runs inside a Go callback called as a JS function, so an init-time exception and a compile error both come back as a *sobek.Exception -> scriptExceptionError; the compile error as \"GoError: SyntaxError: ...\") + js/runner.go scriptExceptionError.ExitCode (107) / Hint (\"script exception\")",
			"cmd/root.go execute + errext/format.go Format (an Exception is printed as its StackTrace(), without cmd/test_load.go's \"could not load JS test\" prefix, with a hint field)",
		},
		run: testScriptErrors,
	},
	{
		name: "bad-statsd-env",
		k6: []string{
			"output/statsd/config.go getConsolidatedConfig (envconfig.Process) + vendor/github.com/mstoykov/envconfig ParseError + gopkg.in/guregu/null.v3 Bool.UnmarshalText (only \"true\"/\"false\")",
			"cmd/outputs.go createOutputs (\"could not create the '<type>' output: %w\", no exit code -> cmd/root.go os.Exit(-1) = 255)",
		},
		run: testBadStatsdEnv,
	},
	{
		name: "accepted-option-forms",
		k6: []string{
			"lib/executor/constant_arrival_rate.go ConstantArrivalRate.Run (ticks at timeUnit/rate from the start) + Validate (maxVUs defaults to preAllocatedVUs)",
			"gopkg.in/guregu/null.v3 Int.UnmarshalJSON (a numeric string), lib/types/types.go Duration.UnmarshalJSON (a number is milliseconds)",
		},
		run: testAcceptedForms,
	},
	{
		name: "custom-metrics-system-tags-run-tags",
		k6: []string{
			"js/modules/k6/metrics/metrics.go Metric.add (value: number or boolean, state tags + extra tags)",
			"output/statsd/output.go Output.dispatch (Counter int64 truncation, Gauge %f, Trend |ms, Rate int64 or check.<tag>.pass)",
			"lib/netext/httpext/transport.go measureAndEmitMetrics (SetSystemTagOrMetaIfEnabled: only systemTags)",
			"js/runner.go VU.Activate (RunTags + scenario tags), execution/scheduler.go emitVUsAndVUsMax (RunTags)",
		},
		run: testCustomMetrics,
	},
	{
		name: "sigterm-flushes-and-exits-105",
		k6: []string{
			"cmd/run.go gracefulStop (SIGTERM -> ExternalAbort 105, \"test run was aborted because k6 received a '<sig>' signal\")",
			"output/statsd/output.go Output.Stop (periodicFlusher.Stop flushes the last samples)",
		},
		run: testSigterm,
	},
	{
		name: "shipped-continuous-load-script",
		k6: []string{
			"everything above, through lib/injector/script/continuous-load.js with the injector Deployment's statsd env",
			"cmd/runtime_options.go (k6 run includes system env vars: CL_PLAN reaches __ENV)",
			"js/modules/k6/execution (scenario.iterationInTest), js/modules/k6/http response_callback.go expectedStatuses",
		},
		run: testShippedScript,
	},
	{
		name: "shipped-continuous-load-script-dns",
		k6: []string{
			"the shipped script resolving through --dns-server: lib/netext/resolver.go NewResolver (plan dns ttl '0': no cache), lib/netext/dialer.go DialContext/findRemote (a lookup per dial)",
		},
		run: testShippedScriptDNS,
	},
	{
		name: "shipped-continuous-load-script-sigterm",
		k6: []string{
			"cmd/run.go gracefulStop (SIGTERM aborts the run: exit 105, no 30s gracefulStop drain), output/statsd/output.go Stop (last flush)",
			"metrics.PushIfNotDone (a request in flight at the signal is not measured)",
		},
		run: testShippedScriptSigterm,
	},
}

func TestConformance(t *testing.T) {
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for _, src := range c.k6 {
				t.Logf("k6 v0.54.0: %s", src)
			}
			c.run(t)
		})
	}
}

// ---- shared expectations ----

// ticks returns the range of iterations k6 v0.54.0 starts for a constant-arrival-rate schedule of n
// ticks within the duration (rate x duration / timeUnit). lib/executor/constant_arrival_rate.go
// ConstantArrivalRate.Run starts tick i at i x period for i = 0, 1, ... and stops at regDurationCtx.Done():
// the tick at exactly i = n fires at the same instant as that deadline (its timer is even set a few ns
// later) and the select takes whichever is ready first, so k6 itself runs n or n+1; a tick that a busy
// machine delays past the deadline can be lost the same way, hence n-1.
func ticks(n int) (int, int) { return n - 1, n + 1 }

// httpTrendMetrics are the Trend samples Trail.SaveSamples pushes for every request.
var httpTrendMetrics = []string{
	"http_req_duration", "http_req_blocked", "http_req_connecting", "http_req_tls_handshaking",
	"http_req_sending", "http_req_waiting", "http_req_receiving",
}

// expectHTTPRequestLines checks the 9 lines k6 sends per request (http_reqs, 7 trends, http_req_failed)
// with exactly tags, between min and max requests; failed is http_req_failed's value.
func expectHTTPRequestLines(t *testing.T, r *result, ns string, tags map[string]string, min, max int, failed string) int {
	t.Helper()
	reqs := expectLines(t, r, ns+"http_reqs", "c", tags, min, max)
	for _, l := range reqs {
		if l.value != "1" {
			t.Errorf("%q: http_reqs value is 1 (Trail.SaveSamples)", l.raw)
		}
	}
	n := len(reqs)
	for _, m := range httpTrendMetrics {
		expectLines(t, r, ns+m, "ms", tags, n, n)
	}
	for _, l := range expectLines(t, r, ns+"http_req_failed", "c", tags, n, n) {
		if l.value != failed {
			t.Errorf("%q: http_req_failed value %s, want %s", l.raw, l.value, failed)
		}
	}
	return n
}

func withTags(base map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(base)+len(kv)/2)
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func valued(ls []line, value string) []line {
	var out []line
	for _, l := range ls {
		if l.value == value {
			out = append(out, l)
		}
	}
	return out
}

// expectAllValues checks every line has the exact value text.
func expectAllValues(t *testing.T, ls []line, value string) {
	t.Helper()
	for _, l := range ls {
		if l.value != value {
			t.Errorf("%q: value %s, want %s", l.raw, l.value, value)
		}
	}
}

// expectVUs checks the vus / vus_max gauges pushed every second with the run tags only
// (execution/scheduler.go emitVUsAndVUsMax). vus_max is GetInitializedVUsCount: all pre-allocated VUs
// when no unplanned VU was needed, on every tick. vus is GetCurrentlyActiveVUsCount, which arrival-rate
// executors move only around each iteration (lib/executor/ramping_arrival_rate.go activeVUPool.AddVU:
// ModCurrentlyActiveVUsCount(+1) before runfn, -1 after): the VUs busy at the tick, 0..maxVUs.
func expectVUs(t *testing.T, r *result, ns string, tags map[string]string, maxVUs, vusMax string) {
	t.Helper()
	ls := expectLines(t, r, ns+"vus", "g", tags, 1, 1000)
	max, _ := strconv.ParseFloat(maxVUs, 64)
	for _, l := range ls {
		if l.num < 0 || l.num > max || l.num != float64(int64(l.num)) {
			t.Errorf("%q: active VUs is a whole number in 0..%s", l.raw, maxVUs)
		}
	}
	expectAllValues(t, expectLines(t, r, ns+"vus_max", "g", tags, 1, 1000), vusMax)
}

// expectNoTag checks no line carries the tag key.
func expectNoTag(t *testing.T, r *result, key string) {
	t.Helper()
	for _, l := range r.lines {
		if _, ok := l.tags[key]; ok {
			t.Errorf("%q: tag %q is blocklisted or not a system tag here", l.raw, key)
			return
		}
	}
}

// ---- cases ----

func testHTTP200(t *testing.T) {
	target := newHTTPFixture(t)
	r := runK6(t, runSpec{script: readScript(t, "http_ok.js"), vars: map[string]string{"TARGET": target.hostPort()}})
	expectExit(t, r, 0)
	url := "http://" + target.hostPort() + "/ok"
	reqTags := map[string]string{
		"proto": "HTTP/1.1", "status": "200", "method": "GET", "name": url, "scenario": "web",
		"expected_response": "true", "team": "qa", "custom": "c1",
	}
	// 5/s for 2s: ticks at 0, 0.2, ..., 1.8s. One tick may be lost to scheduling at the very end.
	lo, hi := ticks(10)
	n := expectHTTPRequestLines(t, r, "k6.", reqTags, lo, hi, "0")
	expectAllValues(t, r.named("k6.http_req_tls_handshaking"), "0.000000")
	if got := target.requests.Load(); int(got) != n {
		t.Errorf("fixture served %d requests, statsd reported %d", got, n)
	}
	// js/runner.go newVU: one http.Transport per VU, keep-alive: at most one connection per VU (2), and
	// http_req_connecting is 0 on a reused connection.
	if c := target.conns.Load(); c > 2 {
		t.Errorf("%d TCP connections for 2 VUs: keep-alive connections are reused", c)
	}
	if connected := len(r.named("k6.http_req_connecting")) - len(valued(r.named("k6.http_req_connecting"), "0.000000")); connected > 2 {
		t.Errorf("%d requests with a connecting time on 2 VUs", connected)
	}
	iterTags := map[string]string{"scenario": "web", "team": "qa"}
	expectAllValues(t, expectLines(t, r, "k6.check.status-ok.pass", "c", withTags(iterTags, "check", "status-ok"), n, n), "1")
	noLines(t, r, "k6.check.status-ok.fail")
	expectAllValues(t, expectLines(t, r, "k6.iterations", "c", iterTags, n, n), "1")
	expectLines(t, r, "k6.iteration_duration", "ms", iterTags, n, n)
	sent := expectLines(t, r, "k6.data_sent", "c", iterTags, n, n)
	recv := expectLines(t, r, "k6.data_received", "c", iterTags, n, n)
	if sum(sent) <= 0 || sum(recv) <= 0 {
		t.Errorf("data_sent %v, data_received %v bytes: want > 0", sum(sent), sum(recv))
	}
	expectVUs(t, r, "k6.", map[string]string{}, "2.000000", "2.000000")
	expectNoTag(t, r, "url")
	expectNoTag(t, r, "group")
	for _, l := range r.lines {
		if !strings.HasPrefix(l.name, "k6.") {
			t.Errorf("%q: K6_STATSD_NAMESPACE defaults to \"k6.\"", l.raw)
		}
	}
	// datadog-go's buffered client joins up to 20 lines per datagram (joinMaxSize), it does not send one each.
	multi := false
	for _, p := range r.packets {
		if strings.Count(string(p.data), "\n") > 0 {
			multi = true
			break
		}
	}
	if !multi {
		t.Errorf("every one of %d datagrams holds a single line: k6 joins buffered lines with \\n", len(r.packets))
	}
	// Output.Start: a PeriodicFlusher every K6_STATSD_PUSH_INTERVAL (1s), not one flush at exit.
	reqs := r.named("k6.http_reqs")
	if len(reqs) > 1 {
		first, last := r.packets[reqs[0].packet].at, r.packets[reqs[len(reqs)-1].packet].at
		if last.Sub(first) < 500*time.Millisecond {
			t.Errorf("all http_reqs lines arrived within %s: samples are flushed every 1s during the run", last.Sub(first))
		}
	}
}

func testHTTPURLTag(t *testing.T) {
	target := newHTTPFixture(t)
	r := runK6(t, runSpec{
		script: readScript(t, "http_ok.js"),
		vars:   map[string]string{"TARGET": target.hostPort()},
		// metrics/tags.go EnabledTags.UnmarshalText: comma-separated, each name trimmed, empty ones skipped;
		// processTags applies it to every tag, a scenario's own tags (team) included.
		env: map[string]string{"K6_STATSD_TAG_BLOCKLIST": " vu , iter ,,proto,team "},
	})
	expectExit(t, r, 0)
	url := "http://" + target.hostPort() + "/ok"
	expectHTTPRequestLines(t, r, "k6.", map[string]string{
		"status": "200", "method": "GET", "name": url, "url": url, "scenario": "web",
		"expected_response": "true", "custom": "c1",
	}, 9, 11, "0") // ticks(10)
	expectNoTag(t, r, "team")
	expectNoTag(t, r, "proto")
}

func testTagsDisabled(t *testing.T) {
	target := newHTTPFixture(t)
	r := runK6(t, runSpec{
		script: readScript(t, "http_ok.js"),
		vars:   map[string]string{"TARGET": target.hostPort()},
		env:    map[string]string{"K6_STATSD_ENABLE_TAGS": "", "K6_STATSD_NAMESPACE": "cl.", "K6_STATSD_BUFFER_SIZE": "5"},
	})
	expectExit(t, r, 0)
	for _, l := range r.lines {
		if strings.Contains(l.raw, "|#") || !strings.HasPrefix(l.name, "cl.") {
			t.Errorf("%q: want no tags (K6_STATSD_ENABLE_TAGS defaults to false) and the cl. namespace", l.raw)
		}
	}
	lo, hi := ticks(10)
	n := expectHTTPRequestLines(t, r, "cl.", map[string]string{}, lo, hi, "0")
	// The check name comes from the sample's tags, not from the (disabled) tag list.
	expectAllValues(t, expectLines(t, r, "cl.check.status-ok.pass", "c", map[string]string{}, n, n), "1")
	expectVUs(t, r, "cl.", map[string]string{}, "2.000000", "2.000000")
	for _, raw := range []string{"cl.http_reqs:1|c", "cl.iterations:1|c", "cl.vus_max:2.000000|g", "cl.http_req_failed:0|c"} {
		found := false
		for _, l := range r.lines {
			if l.raw == raw {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no line %q", raw)
		}
	}
	// checkPackets (in runK6) holds every datagram to K6_STATSD_BUFFER_SIZE=5 lines.
}

func exactTag(want string) func(string) error {
	return func(v string) error {
		if v != want {
			return fmt.Errorf("want %q", want)
		}
		return nil
	}
}

// testHTTPError runs http_error.js against url and checks the failed-request lines k6 sends.
func testHTTPError(t *testing.T, url string, args []string, code string, errorTag func(string) error) {
	t.Helper()
	r := runK6(t, runSpec{script: readScript(t, "http_error.js"), vars: map[string]string{"URL": url, "WANT_CODE": code}, args: args})
	expectExit(t, r, 0)
	reqs := r.named("k6.http_reqs")
	if len(reqs) == 0 {
		t.Fatalf("no http_reqs line; stderr:\n%s", tail(r.stderr))
	}
	errMsg := reqs[0].tags["error"]
	if err := errorTag(errMsg); err != nil {
		t.Errorf("error tag %q: %v", errMsg, err)
	}
	tags := map[string]string{
		"status": "0", "method": "GET", "name": url, "error": errMsg, "error_code": code,
		"expected_response": "false", "scenario": "fail",
	}
	// 2/s for 1s: ticks at 0 and 0.5s.
	lo, hi := ticks(2)
	n := expectHTTPRequestLines(t, r, "k6.", tags, lo, hi, "1")
	noLines(t, r, "k6.check.status-0.fail")
	noLines(t, r, "k6.check.error-code.fail")
	expectLines(t, r, "k6.check.status-0.pass", "c", map[string]string{"scenario": "fail", "check": "status-0"}, n, n)
	expectLines(t, r, "k6.check.error-code.pass", "c", map[string]string{"scenario": "fail", "check": "error-code"}, n, n)
	expectLines(t, r, "k6.iterations", "c", map[string]string{"scenario": "fail"}, n, n)
	expectNoTag(t, r, "proto")
	// tracer.go Tracer.Done: Duration = Sending + Waiting + Receiving; without a response Waiting runs from
	// the written request to Done (the 300ms timeout); without a connection nothing was written: 0.
	for _, l := range where(r.named("k6.http_req_duration"), map[string]string{"scenario": "fail"}) {
		if code == "1050" && (l.num < 280 || l.num > 1500) {
			t.Errorf("%q: a request that timed out after 300ms", l.raw)
		}
		if code != "1050" && l.value != "0.000000" {
			t.Errorf("%q: no request was written, the duration is 0", l.raw)
		}
	}
	// js/runner.go runFn pushes Dialer.IOSamples after every iteration, zero bytes included.
	sent := expectLines(t, r, "k6.data_sent", "c", map[string]string{"scenario": "fail"}, n, n)
	recv := expectLines(t, r, "k6.data_received", "c", map[string]string{"scenario": "fail"}, n, n)
	expectAllValues(t, recv, "0")
	if code != "1050" {
		expectAllValues(t, sent, "0") // nothing was connected
	} else if sum(sent) <= 0 {
		t.Errorf("data_sent %v: the request was written to the silent server", sum(sent))
	}
}

func testHTTPVariants(t *testing.T) {
	target := newHTTPFixture(t)
	r := runK6(t, runSpec{
		script: readScript(t, "http_variants.js"),
		vars:   map[string]string{"TARGET": target.hostPort()},
		env:    map[string]string{"K6_STATSD_TAG_BLOCKLIST": "vu,iter"},
		// lib/netext/dialer.go getConfiguredHost: a "name" entry with a port replaces the URL's port (80).
		args: []string{"--hosts", hostsPath(t, hostsJSON(map[string]string{"bare.conformance.test": target.hostPort()}))},
	})
	expectExit(t, r, 0)
	base := "http://" + target.hostPort()
	lo, hi := ticks(1)
	n := len(expectLines(t, r, "k6.iterations", "c", map[string]string{"scenario": "v"}, max(lo, 1), hi))
	expectHTTPRequestLines(t, r, "k6.", map[string]string{
		"proto": "HTTP/1.1", "status": "404", "method": "GET", "name": base + "/missing", "url": base + "/missing",
		"scenario": "v", "expected_response": "false", "error_code": "1404",
	}, n, n, "1")
	expectHTTPRequestLines(t, r, "k6.", map[string]string{
		"proto": "HTTP/1.1", "status": "200", "method": "GET", "name": "ok-by-id", "url": "ok-by-id",
		"scenario": "v", "expected_response": "true",
	}, n, n, "0")
	bare := "http://bare.conformance.test/ok?id=4"
	expectHTTPRequestLines(t, r, "k6.", map[string]string{
		"proto": "HTTP/1.1", "status": "200", "method": "GET", "name": bare, "url": bare,
		"scenario": "v", "expected_response": "true",
	}, n, n, "0")
	// lib/netext/httpext/transport.go: every RoundTrip of the redirect chain is measured on its own.
	expectHTTPRequestLines(t, r, "k6.", map[string]string{
		"proto": "HTTP/1.1", "status": "302", "method": "GET", "name": base + "/redirect", "url": base + "/redirect",
		"scenario": "v", "expected_response": "true",
	}, n, n, "0")
	expectHTTPRequestLines(t, r, "k6.", map[string]string{
		"proto": "HTTP/1.1", "status": "200", "method": "GET", "name": base + "/ok?from=redirect", "url": base + "/ok?from=redirect",
		"scenario": "v", "expected_response": "true",
	}, n, n, "0")
	masked := "http://****:****@" + target.hostPort() + "/ok?id=3"
	expectHTTPRequestLines(t, r, "k6.", map[string]string{
		"proto": "HTTP/1.1", "status": "200", "method": "GET", "name": masked, "url": masked,
		"scenario": "v", "expected_response": "true",
	}, n, n, "0")
	noCallback := map[string]string{
		"proto": "HTTP/1.1", "status": "200", "method": "GET", "name": base + "/ok?id=2", "url": base + "/ok?id=2", "scenario": "v",
	}
	expectLines(t, r, "k6.http_reqs", "c", noCallback, n, n)
	for _, m := range httpTrendMetrics {
		expectLines(t, r, "k6."+m, "ms", noCallback, n, n)
	}
	if ls := where(r.named("k6.http_req_failed"), map[string]string{"name": base + "/ok?id=2"}); len(ls) > 0 {
		t.Errorf("http_req_failed without a response callback: %s", limitList(raws(ls), 3))
	}
	if ls := r.named("k6.http_req_failed"); len(ls) != 6*n {
		t.Errorf("%d http_req_failed lines, want %d (6 round trips with a callback per iteration)", len(ls), 6*n)
	}
	for _, l := range r.lines {
		if strings.Contains(l.raw, "secret") {
			t.Errorf("%q: the URL password is masked", l.raw)
		}
	}
}

func testPushInterval(t *testing.T) {
	target := newHTTPFixture(t)
	start := time.Now()
	r := runK6(t, runSpec{
		script: readScript(t, "http_ok.js"),
		vars:   map[string]string{"TARGET": target.hostPort()},
		env:    map[string]string{"K6_STATSD_PUSH_INTERVAL": "5s"},
	})
	expectExit(t, r, 0)
	lo, hi := ticks(10)
	reqs := expectLines(t, r, "k6.http_reqs", "c", map[string]string{
		"proto": "HTTP/1.1", "status": "200", "method": "GET", "name": "http://" + target.hostPort() + "/ok", "scenario": "web",
		"expected_response": "true", "team": "qa", "custom": "c1",
	}, lo, hi)
	if len(reqs) == 0 {
		return
	}
	// The 2s run ends before the first 5s tick: everything comes in the flush on Stop.
	first, last := r.packets[reqs[0].packet].at, r.packets[reqs[len(reqs)-1].packet].at
	if first.Sub(start) < 1500*time.Millisecond || last.Sub(first) > 500*time.Millisecond {
		t.Errorf("http_reqs datagrams from %s to %s after start: with a 5s push interval all come at exit (~2s)",
			first.Sub(start).Round(time.Millisecond), last.Sub(start).Round(time.Millisecond))
	}
}

func testGRPCOK(t *testing.T) {
	srv := newGRPCFixture(t)
	r := runK6(t, runSpec{script: readScript(t, "grpc_ok.js"), vars: map[string]string{"GRPC": srv.addr}})
	expectExit(t, r, 0)
	tags := map[string]string{
		"service": "grpc.health.v1.Health", "method": "Check", "name": "/grpc.health.v1.Health/Check",
		"status": "0", "scenario": "g", "custom": "g1",
	}
	// 4/s for 1s: 4 ticks. Every grpc_req_duration line is an invoke: none for the reflection stream.
	all := r.named("k6.grpc_req_duration")
	lo, hi := ticks(4)
	n := len(expectLines(t, r, "k6.grpc_req_duration", "ms", tags, lo, hi))
	if len(all) != n {
		t.Errorf("%d grpc_req_duration lines, %d of them invokes: k6 pushes no sample for the reflection stream: %s",
			len(all), n, limitList(raws(all), 6))
	}
	expectLines(t, r, "k6.check.grpc-ok.pass", "c", map[string]string{"scenario": "g", "check": "grpc-ok"}, n, n)
	noLines(t, r, "k6.check.grpc-ok.fail")
	expectLines(t, r, "k6.iterations", "c", map[string]string{"scenario": "g"}, n, n)
	sent := expectLines(t, r, "k6.data_sent", "c", map[string]string{"scenario": "g"}, n, n)
	if sum(sent) <= 0 {
		t.Errorf("data_sent sums to %v: the gRPC connection goes through k6's dialer", sum(sent))
	}
}

func testGRPCDeadline(t *testing.T) {
	srv := newGRPCFixture(t)
	r := runK6(t, runSpec{script: readScript(t, "grpc_deadline.js"), vars: map[string]string{"GRPC": srv.addr}})
	expectExit(t, r, 0)
	noLines(t, r, "k6.grpc_req_duration")
	lo, hi := ticks(2)
	got := expectLines(t, r, "k6.grpc_status", "c", map[string]string{"scenario": "g", "grpc_status": "4"}, lo, hi)
	if all := r.named("k6.grpc_status"); len(all) != len(got) {
		t.Errorf("grpc_status lines with another status than 4 (DeadlineExceeded): %s", limitList(raws(all), 5))
	}
}

func testGRPCUnavailable(t *testing.T) {
	srv := newGRPCFixture(t)
	control := newHTTPFixture(t)
	control.onStop = srv.Stop
	r := runK6(t, runSpec{script: readScript(t, "grpc_unavailable.js"), vars: map[string]string{"GRPC": srv.addr, "CONTROL": control.hostPort()}})
	expectExit(t, r, 0)
	expectLines(t, r, "k6.grpc_status", "c", map[string]string{"scenario": "g", "grpc_status": "14"}, 1, 1)
	// grpc-go v1.65.0 stream.go csAttempt.finish calls HandleRPC(End) once per attempt: when the first
	// attempt met the closing transport before sending, grpc-go retries it transparently, so one invoke
	// gives 1 or 2 samples, all with status 14.
	got := expectLines(t, r, "k6.grpc_req_duration", "ms", map[string]string{
		"service": "grpc.health.v1.Health", "method": "Check", "name": "/grpc.health.v1.Health/Check",
		"status": "14", "scenario": "g",
	}, 1, 2)
	if all := r.named("k6.grpc_req_duration"); len(all) != len(got) {
		t.Errorf("grpc_req_duration: want only the Unavailable invoke, got %s", limitList(raws(all), 5))
	}
}

func testChecks(t *testing.T) {
	r := runK6(t, runSpec{script: readScript(t, "checks.js")})
	expectExit(t, r, 0)
	n := len(expectLines(t, r, "k6.iterations", "c", map[string]string{"scenario": "c"}, 1, 3)) // ticks(2)
	expectAllValues(t, expectLines(t, r, "k6.check.a-pass.pass", "c", map[string]string{"scenario": "c", "ctag": "x", "check": "a-pass"}, n, n), "1")
	expectAllValues(t, expectLines(t, r, "k6.check.b-fail.fail", "c", map[string]string{"scenario": "c", "ctag": "x", "check": "b-fail"}, n, n), "1")
	expectAllValues(t, expectLines(t, r, "k6.check.c-throw.fail", "c", map[string]string{"scenario": "c", "check": "c-throw"}, n, n), "1")
	// A truthy non-boolean passes; the name goes into the metric name as is, space included.
	expectAllValues(t, expectLines(t, r, "k6.check.d space.pass", "c", map[string]string{"scenario": "c", "ctag": "x", "check": "d space"}, n, n), "1")
	noLines(t, r, "k6.check.a-pass.fail")
	noLines(t, r, "k6.check.b-fail.pass")
	noLines(t, r, "k6.checks")
}

func testChecksNoCheckTag(t *testing.T) {
	r := runK6(t, runSpec{script: readScript(t, "checks.js"), vars: map[string]string{"SYSTEM_TAGS": "scenario"}})
	expectExit(t, r, 0)
	n := len(expectLines(t, r, "k6.iterations", "c", map[string]string{"scenario": "c"}, 1, 3)) // ticks(2)
	tagged := expectLines(t, r, "k6.checks", "c", map[string]string{"scenario": "c", "ctag": "x"}, 3*n, 3*n)
	if p, f := len(valued(tagged, "1")), len(valued(tagged, "0")); p != 2*n || f != n {
		t.Errorf("checks{ctag:x}: %d lines :1 and %d lines :0, want %d and %d", p, f, 2*n, n)
	}
	expectAllValues(t, expectLines(t, r, "k6.checks", "c", map[string]string{"scenario": "c"}, n, n), "0")
	for _, l := range r.lines {
		if strings.HasPrefix(l.name, "k6.check.") {
			t.Errorf("%q: without the check system tag k6 sends k6.checks", l.raw)
		}
	}
}

func testDropped(t *testing.T) {
	target := newHTTPFixture(t)
	r := runK6(t, runSpec{script: readScript(t, "dropped.js"), vars: map[string]string{"TARGET": target.hostPort()}})
	expectExit(t, r, 0)
	dropped := expectLines(t, r, "k6.dropped_iterations", "c", map[string]string{"run": "r1", "scenario": "drop"}, 3, 10)
	expectAllValues(t, dropped, "1")
	iters := expectLines(t, r, "k6.iterations", "c", map[string]string{"run": "r1", "scenario": "drop", "team": "qa"}, 1, 3)
	// Every tick of the 10/s x 1s schedule either starts an iteration or pushes one dropped_iterations.
	if lo, hi := ticks(10); len(dropped)+len(iters) < lo || len(dropped)+len(iters) > hi {
		t.Errorf("%d iterations + %d dropped = %d, want %d..%d ticks", len(iters), len(dropped), len(dropped)+len(iters), lo, hi)
	}
	expectLines(t, r, "k6.http_reqs", "c", map[string]string{
		"run": "r1", "scenario": "drop", "team": "qa", "proto": "HTTP/1.1", "status": "200", "method": "GET",
		"name": "http://" + target.hostPort() + "/slow", "expected_response": "true",
	}, len(iters), len(iters))
}

// refusedCase is a script options fragment k6 v0.54 refuses, with the error text it prints.
type refusedCase struct {
	name     string
	scenario string // the value of options.scenarios.s
	stderr   []string
	key      string // the scenario's name when not "s"
}

var refusedCases = []refusedCase{
	{"rate-2.5", `{executor: 'constant-arrival-rate', rate: 2.5, duration: '1s', preAllocatedVUs: 1}`,
		[]string{"cannot unmarshal number 2.5", "int64"}, ""},
	{"preAllocatedVUs-1.5", `{executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1.5}`,
		[]string{"cannot unmarshal number 1.5", "int64"}, ""},
	{"maxVUs-below-preAllocated", `{executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 2, maxVUs: 1}`,
		[]string{"There were problems with the specified script configuration:", "scenario s has configuration errors: maxVUs can't be less than preAllocatedVUs"}, ""},
	{"rate-0", `{executor: 'constant-arrival-rate', rate: 0, duration: '1s', preAllocatedVUs: 1}`,
		[]string{"scenario s has configuration errors: the iteration rate must be more than 0"}, ""},
	{"rate-missing", `{executor: 'constant-arrival-rate', duration: '1s', preAllocatedVUs: 1}`,
		[]string{"scenario s has configuration errors: the iteration rate isn't specified"}, ""},
	{"timeUnit-0s", `{executor: 'constant-arrival-rate', rate: 1, timeUnit: '0s', duration: '1s', preAllocatedVUs: 1}`,
		[]string{"scenario s has configuration errors: the timeUnit must be more than 0"}, ""},
	{"duration-missing", `{executor: 'constant-arrival-rate', rate: 1, preAllocatedVUs: 1}`,
		[]string{"scenario s has configuration errors: the duration is unspecified"}, ""},
	{"duration-below-1s", `{executor: 'constant-arrival-rate', rate: 1, duration: '500ms', preAllocatedVUs: 1}`,
		[]string{"scenario s has configuration errors: the duration must be at least 1s, but is 500ms"}, ""},
	{"preAllocatedVUs-missing", `{executor: 'constant-arrival-rate', rate: 1, duration: '1s'}`,
		[]string{"scenario s has configuration errors: the number of preAllocatedVUs isn't specified"}, ""},
	{"preAllocatedVUs-negative", `{executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: -1, maxVUs: 1}`,
		[]string{"scenario s has configuration errors: the number of preAllocatedVUs can't be negative"}, ""},
	{"two-errors-joined", `{executor: 'constant-arrival-rate', rate: 0, timeUnit: '0s', duration: '1s', preAllocatedVUs: 1}`,
		[]string{"scenario s has configuration errors: the iteration rate must be more than 0, the timeUnit must be more than 0"}, ""},
	{"unknown-field", `{executor: 'constant-arrival-rate', rates: 1, rate: 1, duration: '1s', preAllocatedVUs: 1}`,
		[]string{`unknown field "rates"`}, ""},
	{"unknown-executor", `{executor: 'no-such-executor', rate: 1, duration: '1s', preAllocatedVUs: 1}`,
		[]string{"unknown executor type 'no-such-executor'"}, ""},
	{"exec-not-exported", `{executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1, exec: 'nope'}`,
		[]string{"executor s: function 'nope' not found in exports"}, ""},
	{"executor-missing", `{rate: 1, duration: '1s', preAllocatedVUs: 1}`,
		[]string{"scenario 's' doesn't have a specified executor type"}, ""},
	{"gracefulStop-negative", `{executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1, gracefulStop: '-1s'}`,
		[]string{"scenario s has configuration errors: the gracefulStop timeout can't be negative"}, ""},
	{"startTime-negative", `{executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1, startTime: '-1s'}`,
		[]string{"scenario s has configuration errors: the startTime can't be negative"}, ""},
	{"scenario-name", `{executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1}`,
		[]string{"scenario bad.name has configuration errors: the scenario name should contain only numbers, latin letters, underscores, and dashes"}, "bad.name"},
	{"timeUnit-invalid", `{executor: 'constant-arrival-rate', rate: 1, timeUnit: 'soon', duration: '1s', preAllocatedVUs: 1}`,
		[]string{`time: invalid duration "soon"`}, ""},
}

func testRefusedOptions(t *testing.T) {
	for _, c := range refusedCases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			key := c.key
			if key == "" {
				key = "s"
			}
			script := fmt.Sprintf("export const options = { scenarios: { %q: %s } };\nexport default function () {}\n", key, c.scenario)
			r := runK6(t, runSpec{script: script, timeout: 20 * time.Second})
			if r.exit != 104 {
				t.Errorf("exit code %d, want 104 (exitcodes.InvalidConfig)", r.exit)
			}
			for _, s := range c.stderr {
				// k6 logs the error with logrus' text formatter: msg="..." with quotes escaped.
				escaped := strings.ReplaceAll(s, `"`, `\"`)
				if !strings.Contains(r.stderr, s) && !strings.Contains(r.stderr, escaped) {
					t.Errorf("stderr lacks %q; stderr:\n%s", s, tail(r.stderr))
				}
			}
			noLines(t, r, "k6.iterations")
		})
	}
}

func testAcceptedForms(t *testing.T) {
	script := `export const options = {
  scenarios: {
    plain: { executor: 'constant-arrival-rate', rate: 5, timeUnit: '2s', duration: '2s', preAllocatedVUs: 1, maxVUs: 1 },
    loose: { executor: 'constant-arrival-rate', rate: '5', timeUnit: '2s', duration: 2000, preAllocatedVUs: 1 },
  },
};
export default function () {}
`
	r := runK6(t, runSpec{script: script})
	expectExit(t, r, 0)
	// 5 per 2s for 2s: ticks at 0, 0.4, ..., 1.6s.
	for _, sc := range []string{"plain", "loose"} {
		expectAllValues(t, expectLines(t, r, "k6.iterations", "c", map[string]string{"scenario": sc}, 4, 6), "1") // ticks(5)
	}
	expectVUs(t, r, "k6.", map[string]string{}, "2.000000", "2.000000")
	noLines(t, r, "k6.dropped_iterations")
}

func testCustomMetrics(t *testing.T) {
	target := newHTTPFixture(t)
	r := runK6(t, runSpec{script: readScript(t, "custom_metrics.js"), vars: map[string]string{"TARGET": target.hostPort()}})
	expectExit(t, r, 0)
	base := map[string]string{"run": "r1", "scenario": "m", "team": "qa"}
	// 2/s for 2s: 4 ticks.
	n := len(expectLines(t, r, "k6.iterations", "c", base, 3, 5)) // ticks(4)
	one := func(name, typ, value string, tags map[string]string) {
		t.Helper()
		ls := expectLines(t, r, name, typ, tags, n, n)
		expectAllValues(t, ls, value)
	}
	counters := r.named("k6.my_counter")
	one("k6.my_counter", "c", "2", withTags(base, "k", "v")) // int64(2.7)
	one("k6.my_counter", "c", "1", withTags(base, "k", "bool"))
	one("k6.my_counter", "c", "-2", withTags(base, "k", "neg"))           // int64(-2.7)
	one("k6.my_counter", "c", "3", withTags(base, "k", "numeric-string")) // sobek ToFloat("3")
	// datadog-go writeTagString removes newlines; processTags drops empty values; ':' in a value stays.
	one("k6.my_counter", "c", "1", withTags(base, "k", "newline", "nl", "xy", "c", "a:b"))
	// A line longer than OptimalPayloadSize travels alone (datadog-go joinMaxSize).
	long := expectLines(t, r, "k6.my_counter", "c", withTags(base, "k", "long", "long", strings.Repeat("x", 1500)), n, n)
	for _, l := range long {
		if p := string(r.packets[l.packet].data); p != l.raw {
			t.Errorf("the %d-byte line shares its datagram (%d bytes) with other lines", len(l.raw), len(p))
		}
	}
	if len(counters) != 6*n {
		t.Errorf("my_counter: %d lines, want %d", len(counters), 6*n)
	}
	// metrics.go Metric.add: a value that is NaN as a number is refused (a warning), no sample.
	if ls := where(r.named("k6.my_rate"), map[string]string{"r": "nan"}); len(ls) > 0 {
		t.Errorf("my_rate.add('abc') pushed %s", limitList(raws(ls), 2))
	}
	one("k6.my_gauge", "g", "3.250000", base)
	one("k6.my_rate", "c", "1", withTags(base, "r", "yes"))
	one("k6.my_rate", "c", "0", withTags(base, "r", "no"))
	one("k6.my_rate", "c", "0", withTags(base, "r", "half")) // int64(0.5)
	one("k6.check.viaRate.pass", "c", "1", withTags(base, "check", "viaRate"))
	one("k6.my_trend", "ms", "12.500000", base)
	one("k6.my_time_trend", "ms", "7.000000", base)
	expectHTTPRequestLines(t, r, "k6.", withTags(base, "status", "200", "custom", "c1"), n, n, "0")
	for _, key := range []string{"method", "name", "proto", "expected_response", "url", "group"} {
		expectNoTag(t, r, key)
	}
	expectVUs(t, r, "k6.", map[string]string{"run": "r1"}, "1.000000", "1.000000")
}

func testSigterm(t *testing.T) {
	r := runK6(t, runSpec{script: readScript(t, "sigterm.js"), sigtermAt: 2500 * time.Millisecond, timeout: 20 * time.Second})
	expectExit(t, r, 105)
	if !strings.Contains(r.stderr, "test run was aborted because k6 received a 'terminated' signal") {
		t.Errorf("stderr lacks the abort reason; stderr:\n%s", tail(r.stderr))
	}
	// gracefulStop 1s bounds the stop; the iterations of the last second must still be flushed.
	if r.elapsed > 8*time.Second {
		t.Errorf("exited %s after start (SIGTERM at 2.5s)", r.elapsed)
	}
	iters := r.named("k6.iterations")
	if len(iters) < 6 {
		t.Errorf("%d iterations lines after 2.5s at 4/s: the last samples were not flushed on SIGTERM", len(iters))
	}
}

func testGroups(t *testing.T) {
	target := newHTTPFixture(t)
	r := runK6(t, runSpec{script: readScript(t, "groups.js"), vars: map[string]string{"TARGET": target.hostPort()}})
	expectExit(t, r, 0)
	lo, hi := ticks(1)
	n := len(expectLines(t, r, "k6.iterations", "c", map[string]string{"scenario": "grp"}, max(lo, 1), hi))
	expectHTTPRequestLines(t, r, "k6.", map[string]string{
		"proto": "HTTP/1.1", "status": "200", "method": "GET", "name": "http://" + target.hostPort() + "/ok",
		"scenario": "grp", "expected_response": "true", "group": "::login",
	}, n, n, "0")
	expectLines(t, r, "k6.check.in-group.pass", "c", map[string]string{"scenario": "grp", "group": "::login", "check": "in-group"}, n, n)
	expectLines(t, r, "k6.group_duration", "ms", map[string]string{"scenario": "grp", "group": "::login"}, n, n)
	expectLines(t, r, "k6.group_duration", "ms", map[string]string{"scenario": "grp", "group": "::login::inner"}, n, n)
	if all := r.named("k6.group_duration"); len(all) != 2*n {
		t.Errorf("%d group_duration lines, want %d: %s", len(all), 2*n, limitList(raws(all), 4))
	}
}

func testManySamples(t *testing.T) {
	r := runK6(t, runSpec{script: readScript(t, "many_samples.js")})
	expectExit(t, r, 0)
	lo, hi := ticks(2)
	n := len(expectLines(t, r, "k6.iterations", "c", map[string]string{"scenario": "many"}, max(lo, 1), hi))
	all := r.named("k6.many")
	if len(all) != 400*n {
		t.Errorf("%d k6.many lines for %d iterations of 400 samples", len(all), n)
	}
	for slot := 0; slot < 10; slot++ {
		expectAllValues(t, expectLines(t, r, "k6.many", "c", map[string]string{"scenario": "many", "slot": strconv.Itoa(slot)}, 40*n, 40*n), "1")
	}
	// 20 lines per datagram at most, and k6 fills them: about 400n/20 datagrams, not one per line.
	if len(r.packets) > len(r.lines)/10 {
		t.Errorf("%d datagrams for %d lines: datadog-go's buffered client sends up to 20 lines per datagram", len(r.packets), len(r.lines))
	}
}

func testScriptErrors(t *testing.T) {
	for _, c := range []struct {
		name, script string
		exit         int
		stderr       []string
	}{
		{"init-exception", "throw new Error('boom-at-init');\nexport default function () {}\n", 107, []string{"Error: boom-at-init", `hint="script exception"`}},
		{"syntax-error", "export default function () {\n", 107, []string{"GoError: SyntaxError: ", `hint="script exception"`}},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runK6(t, runSpec{script: c.script, timeout: 20 * time.Second})
			if r.exit != c.exit {
				t.Errorf("exit code %d, want %d; stderr:\n%s", r.exit, c.exit, tail(r.stderr))
			}
			for _, s := range c.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q; stderr:\n%s", s, tail(r.stderr))
				}
			}
			noLines(t, r, "k6.iterations")
		})
	}
}

func testBadStatsdEnv(t *testing.T) {
	r := runK6(t, runSpec{
		script:  "export const options = { scenarios: { s: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1 } } };\nexport default function () {}\n",
		env:     map[string]string{"K6_STATSD_ENABLE_TAGS": "1"},
		timeout: 20 * time.Second,
	})
	if r.exit != 255 {
		t.Errorf("exit code %d, want 255 (an error without exit code: os.Exit(-1)); stderr:\n%s", r.exit, tail(r.stderr))
	}
	for _, s := range []string{
		"could not create the 'statsd' output",
		"envconfig.Process: assigning K6_STATSD_ENABLE_TAGS to EnableTags: converting '1' to type null.Bool. details: invalid input:1",
	} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q; stderr:\n%s", s, tail(r.stderr))
		}
	}
	noLines(t, r, "k6.iterations")
}

func testGRPCNoReflection(t *testing.T) {
	srv := newGRPCFixtureWithoutReflection(t)
	r := runK6(t, runSpec{script: readScript(t, "grpc_no_reflection.js"), vars: map[string]string{"GRPC": srv.addr}})
	expectExit(t, r, 0)
	lo, hi := ticks(2)
	n := len(expectLines(t, r, "k6.iterations", "c", map[string]string{"scenario": "g"}, max(lo, 1), hi))
	expectAllValues(t, expectLines(t, r, "k6.connect_failed", "c", map[string]string{"scenario": "g"}, n, n), "1")
	expectLines(t, r, "k6.check.cannot-list-services.pass", "c", map[string]string{"scenario": "g", "check": "cannot-list-services"}, n, n)
	// Three reflection streams per connect, each ending with the VU's tags only (no method/service/name).
	// Their status is Unimplemented (12); under load grpc-go v1.65.0 sometimes ends one of them without an
	// error (status 0) -- the same library path k6 takes (conn.go HandleRPC: status.Code(End.Error)).
	all := r.named("k6.grpc_req_duration")
	if len(all) != 3*n {
		t.Errorf("%d grpc_req_duration lines, want the %d reflection streams of %d connects: %s", len(all), 3*n, n, limitList(raws(all), 4))
	}
	for _, l := range all {
		st := l.tags["status"]
		if len(l.tags) != 2 || l.tags["scenario"] != "g" || (st != "12" && st != "0") {
			t.Errorf("%q: want exactly {scenario:g, status:12 (or 0)}", l.raw)
		}
	}
	if twelve := len(where(all, map[string]string{"status": "12"})); twelve < n {
		t.Errorf("only %d of %d reflection streams ended Unimplemented", twelve, len(all))
	}
}

func testPushIntervalMillis(t *testing.T) {
	target := newHTTPFixture(t)
	r := runK6(t, runSpec{
		script: readScript(t, "http_ok.js"),
		vars:   map[string]string{"TARGET": target.hostPort()},
		env:    map[string]string{"K6_STATSD_PUSH_INTERVAL": "300"},
	})
	expectExit(t, r, 0)
	reqs := r.named("k6.http_reqs")
	if len(reqs) < 2 {
		t.Fatalf("%d http_reqs lines", len(reqs))
	}
	// 300ms pushes over a 2s run: requests measured 0.2s apart arrive in several flushes, well before exit.
	flushes := map[int64]bool{}
	for _, l := range reqs {
		flushes[r.packets[l.packet].at.UnixMilli()/150] = true
	}
	first, last := r.packets[reqs[0].packet].at, r.packets[reqs[len(reqs)-1].packet].at
	if len(flushes) < 4 || last.Sub(first) < 1200*time.Millisecond {
		t.Errorf("http_reqs in %d bursts over %s: K6_STATSD_PUSH_INTERVAL=300 is 300ms", len(flushes), last.Sub(first).Round(time.Millisecond))
	}
}
