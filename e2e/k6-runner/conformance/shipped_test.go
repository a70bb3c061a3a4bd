package conformance

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// shippedScript is the k6 script the injector Deployment runs, read from the repository.
const shippedScript = "../../../lib/injector/script/continuous-load.js"

// injectorStatsdEnv is the statsd configuration of the injector Deployment in dist/ (lib/injector/load-injector.ts).
var injectorStatsdEnv = map[string]string{
	"K6_STATSD_ENABLE_TAGS":   "true",
	"K6_STATSD_NAMESPACE":     "k6.",
	"K6_STATSD_PUSH_INTERVAL": "1s",
	"K6_STATSD_TAG_BLOCKLIST": "vu,iter,url,name,group,proto,subproto,tls_version,error,service,check,ip",
}

// The plan's systemTags as lib/injector/plan.ts K6_SYSTEM_TAGS builds them.
var shippedSystemTags = []string{"status", "method", "expected_response", "error_code", "scenario", "check"}

func testShippedScript(t *testing.T) { shippedScriptRun(t, false) }

// testShippedScriptDNS resolves the flows' names through the test's DNS server instead of --hosts: the
// plan's dns option (ttl '0') makes k6 look a name up again for every new connection
// (lib/netext/resolver.go NewResolver: ttl 0 -> no cacheResolver; lib/netext/dialer.go DialContext ->
// findRemote -> LookupIP on every dial), so the fresh-connection flow keeps DNS on its path.
func testShippedScriptDNS(t *testing.T) { shippedScriptRun(t, true) }

func shippedScriptRun(t *testing.T, useDNS bool) {
	src, err := os.ReadFile(shippedScript)
	if err != nil {
		t.Fatalf("the shipped script: %v", err)
	}
	keep := newHTTPFixture(t)
	fresh := newHTTPFixture(t)
	chain := newHTTPFixture(t)
	broken := newHTTPFixture(t)
	grpcSrv := newGRPCFixture(t)
	down := closedPort(t)
	hang := newHangFixture(t)
	port := func(hostPort string) string { _, p, _ := net.SplitHostPort(hostPort); return p }
	httpPort, grpcPort, downPort := map[string]string{"keep": "9898", "fresh": "9898", "chain": "9898", "broken": "9898", "hang": "9898"}, "9999", "9999"
	if useDNS {
		downPort = port(down)
		httpPort = map[string]string{"keep": port(keep.hostPort()), "fresh": port(fresh.hostPort()), "chain": port(chain.hostPort()), "broken": port(broken.hostPort())}
		grpcPort = port(grpcSrv.addr)
		httpPort["hang"] = port(hang)
	}

	httpFlow := func(name, host string, fresh bool, servedBy bool) map[string]any {
		p := httpPort[strings.SplitN(host, ".", 2)[0]]
		req := map[string]any{
			"kind": "http", "method": "GET", "url": "http://" + host + ":" + p + "/api/info", "expectedStatuses": []int{200},
			"headers": map[string]string{}, "freshConnection": fresh, "body": nil, "expectBody": nil, "servedByUrl": nil,
		}
		if servedBy {
			req["servedByUrl"] = "http://" + host + ":" + p + "/env"
		}
		return map[string]any{"name": name, "rate": 5, "timeout": "2s", "preAllocatedVUs": 2, "maxVUs": 4, "request": req}
	}
	plan := map[string]any{
		"duration":   "2s",
		"systemTags": shippedSystemTags,
		"servedBy":   map[string]any{"sampleEvery": 2, "maxNodes": 100},
		// As lib/injector/plan.ts writes them (loadPlan: connectionBroken, destinations).
		"connectionBroken": map[string]any{"maxIdleMs": 30000},
		"destinations":     map[string]any{"maxPods": 50, "flows": map[string]any{}},
		"flows": []any{
			httpFlow("http-keep", "keep.conformance.test", false, true),
			httpFlow("http-fresh", "fresh.conformance.test", true, false),
			// Like dist's "chain" flow: a POST whose answer must contain the body sent.
			map[string]any{"name": "chain", "rate": 5, "timeout": "2s", "preAllocatedVUs": 2, "maxVUs": 4, "request": map[string]any{
				"kind": "http", "method": "POST", "url": "http://chain.conformance.test:" + httpPort["chain"] + "/api/echo",
				"expectedStatuses": []int{200}, "headers": map[string]string{"Content-Type": "text/plain"}, "freshConnection": false,
				"body": "continuous-load-chain-probe", "expectBody": "continuous-load-chain-probe", "servedByUrl": nil,
			}},
			// Failing flows: what the SLO alerts count. A 404 where 200 is expected; a health check of a
			// service the server does not know (NOT_FOUND, 5).
			map[string]any{"name": "http-broken", "rate": 2, "timeout": "2s", "preAllocatedVUs": 1, "maxVUs": 2, "request": map[string]any{
				"kind": "http", "method": "GET", "url": "http://broken.conformance.test:" + httpPort["broken"] + "/missing",
				"expectedStatuses": []int{200}, "headers": map[string]string{}, "freshConnection": false,
				"body": nil, "expectBody": nil, "servedByUrl": nil,
			}},
			map[string]any{
				"name": "grpc-broken", "rate": 2, "timeout": "2s", "preAllocatedVUs": 1, "maxVUs": 2,
				"request": map[string]any{
					"kind": "grpc", "target": "grpc.conformance.test:" + grpcPort, "plaintext": true, "healthService": "no-such-service",
					"method": nil, "message": map[string]any{}, "expectedStatuses": []int{0}, "metadata": map[string]string{},
				},
			},
			// A server that never answers: every request times out after the flow's timeout.
			map[string]any{"name": "http-hang", "rate": 2, "timeout": "500ms", "preAllocatedVUs": 2, "maxVUs": 2, "request": map[string]any{
				"kind": "http", "method": "GET", "url": "http://hang.conformance.test:" + httpPort["hang"] + "/api/info",
				"expectedStatuses": []int{200}, "headers": map[string]string{}, "freshConnection": false,
				"body": nil, "expectBody": nil, "servedByUrl": nil,
			}},
			// A gRPC target that refuses connections: connect throws, the script counts it.
			map[string]any{
				"name": "grpc-down", "rate": 2, "timeout": "2s", "preAllocatedVUs": 1, "maxVUs": 2,
				"request": map[string]any{
					"kind": "grpc", "target": "down.conformance.test:" + downPort, "plaintext": true, "healthService": "podinfo",
					"method": nil, "message": map[string]any{}, "expectedStatuses": []int{0}, "metadata": map[string]string{},
				},
			},
			// Like dist's gRPC flow: a health check and a method, taken in turn.
			map[string]any{
				"name": "grpc", "rate": 4, "timeout": "2s", "preAllocatedVUs": 1, "maxVUs": 2,
				"request": map[string]any{
					"kind": "grpc", "target": "grpc.conformance.test:" + grpcPort, "plaintext": true, "healthService": "podinfo",
					"method": "/grpc.testing.TestService/EmptyCall", "message": map[string]any{}, "expectedStatuses": []int{0},
					"metadata": map[string]string{"x-probe": "conformance"},
				},
			},
		},
	}
	planJSON, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	var dns *dnsFixture
	if useDNS {
		dns = newDNSFixtureAnswering(t, []string{"keep.conformance.test", "fresh.conformance.test", "chain.conformance.test", "broken.conformance.test", "grpc.conformance.test", "down.conformance.test", "hang.conformance.test"})
		args = []string{"--dns-server", dns.addr}
	} else {
		args = []string{"--hosts", hostsPath(t, hostsJSON(map[string]string{
			"keep.conformance.test:9898":   keep.hostPort(),
			"fresh.conformance.test:9898":  fresh.hostPort(),
			"chain.conformance.test:9898":  chain.hostPort(),
			"broken.conformance.test:9898": broken.hostPort(),
			"down.conformance.test:9999":   down,
			"hang.conformance.test:9898":   hang,
			"grpc.conformance.test:9999":   grpcSrv.addr,
		}))}
	}
	env := map[string]string{}
	for k, v := range injectorStatsdEnv {
		env[k] = v
	}
	// Like the Deployment: CL_PLAN in the process environment, not -e (k6 run includes system env vars).
	dir := t.TempDir()
	planPath := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(planPath, planJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	env["CL_PLAN"] = planPath
	r := runK6(t, runSpec{
		script: string(src),
		env:    env,
		args:   args,
	})
	expectExit(t, r, 0)
	if useDNS {
		// One A lookup per new TCP connection, nothing cached (ttl 0).
		for name, f := range map[string]*httpFixture{"keep.conformance.test": keep, "fresh.conformance.test": fresh} {
			t.Logf("%s: %d A queries, %d TCP connections, %d requests", name, dns.aQueries(name), f.conns.Load(), f.requests.Load())
			if a, c := dns.aQueries(name), f.conns.Load(); a != c {
				t.Errorf("%s: %d A queries for %d TCP connections: with dns ttl '0' k6 resolves on every dial", name, a, c)
			}
		}
		if a := dns.aQueries("grpc.conformance.test"); a < 1 {
			t.Errorf("grpc.conformance.test: no A query: the gRPC connection is dialled through k6's resolver")
		}
	}

	for _, key := range []string{"url", "name", "group", "proto", "service", "check", "error", "tls_version", "vu", "iter"} {
		expectNoTag(t, r, key)
	}
	noLines(t, r, "k6.unexpected_response")
	if ls := r.named("k6.grpc_connect_failed"); len(ls) != len(where(ls, map[string]string{"flow": "grpc-down"})) {
		t.Errorf("grpc_connect_failed outside the grpc-down flow: %s", limitList(raws(ls), 3))
	}
	noLines(t, r, "k6.dropped_iterations")

	// HTTP flows: 5/s for 2s each.
	for _, flow := range []string{"http-keep", "http-fresh"} {
		scen := map[string]string{"scenario": flow, "flow": flow}
		reqTags := withTags(scen, "status", "200", "method", "GET", "expected_response", "true")
		lo, hi := ticks(10)
		n := expectHTTPRequestLines(t, r, "k6.", reqTags, lo, hi, "0")
		expectAllValues(t, expectLines(t, r, "k6.iterations", "c", scen, n, n), "1")
		expectAllValues(t, expectLines(t, r, "k6.check.status.pass", "c", scen, n, n), "1")
		expectLines(t, r, "k6.data_sent", "c", scen, n, n)
		expectLines(t, r, "k6.data_received", "c", scen, n, n)
		switch flow {
		case "http-keep":
			// Every 2nd iteration in the test (iterationInTest 0, 2, ...) asks /env and counts its node.
			served := expectLines(t, r, "k6.served_by", "c", withTags(scen, "served_by_node", "node-a"), (n+1)/2, (n+1)/2)
			expectAllValues(t, served, "1")
			if got := keep.requests.Load(); int(got) != n {
				t.Errorf("http-keep: fixture served %d requests, statsd reported %d", got, n)
			}
			if c := keep.conns.Load(); c > 4 || int(c) >= n {
				t.Errorf("http-keep: %d TCP connections for %d requests on at most 4 VUs: keep-alive connections are reused", c, n)
			}
		case "http-fresh":
			if got := fresh.requests.Load(); int(got) != n {
				t.Errorf("http-fresh: fixture served %d requests, statsd reported %d", got, n)
			}
			// Connection: close on every request: one TCP connection each.
			if c := fresh.conns.Load(); int(c) != n {
				t.Errorf("http-fresh: %d TCP connections for %d requests, want one per request (Connection: close)", c, n)
			}
			for _, l := range r.named("k6.http_req_connecting") {
				if l.tags["flow"] == flow && l.num <= 0 {
					t.Errorf("%q: a fresh connection has a connecting time", l.raw)
				}
			}
		}
	}
	{
		scen := map[string]string{"scenario": "chain", "flow": "chain"}
		lo, hi := ticks(10)
		n := expectHTTPRequestLines(t, r, "k6.", withTags(scen, "status", "200", "method", "POST", "expected_response", "true"), lo, hi, "0")
		expectAllValues(t, expectLines(t, r, "k6.check.status.pass", "c", scen, n, n), "1")
		expectAllValues(t, expectLines(t, r, "k6.check.body.pass", "c", scen, n, n), "1")
		expectAllValues(t, expectLines(t, r, "k6.iterations", "c", scen, n, n), "1")
		// Each POST carries the 27-byte body: data_sent counts it on top of the request head.
		if sent := sum(where(r.named("k6.data_sent"), scen)); sent < float64(n*27) {
			t.Errorf("chain: data_sent %v for %d POSTs of 27 bytes", sent, n)
		}
		if got := chain.requests.Load(); int(got) != n {
			t.Errorf("chain: fixture served %d requests, statsd reported %d", got, n)
		}
	}
	if ls := where(r.named("k6.served_by"), map[string]string{"flow": "http-fresh"}); len(ls) > 0 {
		t.Errorf("served_by for a flow without servedByUrl: %s", limitList(raws(ls), 3))
	}

	// gRPC flow: 4/s for 2s; iterationInTest 0, 2, ... ask the health check, 1, 3, ... EmptyCall.
	scen := map[string]string{"scenario": "grpc", "flow": "grpc"}
	lo, hi := ticks(8)
	n := len(expectLines(t, r, "k6.iterations", "c", scen, lo, hi))
	health := expectLines(t, r, "k6.grpc_req_duration", "ms", withTags(scen, "status", "0", "method", "Check"), (n+1)/2, (n+1)/2)
	calls := expectLines(t, r, "k6.grpc_req_duration", "ms", withTags(scen, "status", "0", "method", "EmptyCall"), n/2, n/2)
	if all := where(r.named("k6.grpc_req_duration"), scen); len(all) != len(health)+len(calls) {
		t.Errorf("grpc_req_duration: %d lines, %d RPCs (no sample for the reflection stream): %s", len(all), n, limitList(raws(all), 4))
	}
	expectAllValues(t, expectLines(t, r, "k6.check.status.pass", "c", scen, n, n), "1")
	expectAllValues(t, expectLines(t, r, "k6.check.serving.pass", "c", scen, (n+1)/2, (n+1)/2), "1")
	for _, l := range r.lines {
		if strings.HasSuffix(l.name, ".fail") && !strings.HasSuffix(l.tags["flow"], "-broken") && l.tags["flow"] != "grpc-down" && l.tags["flow"] != "http-hang" {
			t.Errorf("%q: no check fails against healthy fixtures", l.raw)
		}
	}

	// The failing flows, 2/s for 2s each.
	{
		scen := map[string]string{"scenario": "http-broken", "flow": "http-broken"}
		lo, hi := ticks(4)
		// transport.go: status >= 400 -> error_code 1000+status; expectedStatuses(200) -> expected_response false.
		n := expectHTTPRequestLines(t, r, "k6.", withTags(scen, "status", "404", "method", "GET", "expected_response", "false", "error_code", "1404"), lo, hi, "1")
		expectAllValues(t, expectLines(t, r, "k6.check.status.fail", "c", scen, n, n), "1")
		if ls := where(r.named("k6.check.status.pass"), scen); len(ls) > 0 {
			t.Errorf("http-broken: check.status.pass %s", limitList(raws(ls), 2))
		}
	}
	{
		// transport.go RoundTrip: the flow's timeout -> K6Error 1050; the error tag is blocklisted.
		scen := map[string]string{"scenario": "http-hang", "flow": "http-hang"}
		lo, hi := ticks(4)
		n := expectHTTPRequestLines(t, r, "k6.", withTags(scen, "status", "0", "method", "GET", "expected_response", "false", "error_code", "1050"), lo, hi, "1")
		expectAllValues(t, expectLines(t, r, "k6.check.status.fail", "c", scen, n, n), "1")
		// The timeout spans the whole request, http_req_duration excludes http_req_blocked (the dial; tracer.go
		// Tracer.Done), so a slow dial under load leaves less than 500ms for the duration.
		maxBlocked := 0.0
		for _, l := range where(r.named("k6.http_req_blocked"), scen) {
			maxBlocked = max(maxBlocked, l.num)
		}
		for _, l := range where(r.named("k6.http_req_duration"), scen) {
			if l.num < 450-maxBlocked || l.num > 1500 {
				t.Errorf("%q: a request that timed out after 500ms (longest blocked %.1fms)", l.raw, maxBlocked)
			}
		}
	}
	{
		// js/modules/k6/grpc/client.go Connect -> grpcext.Dial (WithBlock, FailOnNonTempDialError) fails on the
		// refused connection: no RPC, so no grpc_req_duration; the script's counter and check say it.
		scen := map[string]string{"scenario": "grpc-down", "flow": "grpc-down"}
		lo, hi := ticks(4)
		n := len(expectLines(t, r, "k6.grpc_connect_failed", "c", scen, lo, hi))
		expectAllValues(t, expectLines(t, r, "k6.grpc_connect_failed", "c", scen, n, n), "1")
		expectAllValues(t, expectLines(t, r, "k6.check.grpc-connect.fail", "c", scen, n, n), "1")
		expectAllValues(t, expectLines(t, r, "k6.iterations", "c", scen, n, n), "1")
		if ls := where(r.named("k6.grpc_req_duration"), scen); len(ls) > 0 {
			t.Errorf("grpc-down: grpc_req_duration without an RPC: %s", limitList(raws(ls), 2))
		}
	}
	{
		scen := map[string]string{"scenario": "grpc-broken", "flow": "grpc-broken"}
		lo, hi := ticks(4)
		n := len(expectLines(t, r, "k6.grpc_req_duration", "ms", withTags(scen, "status", "5", "method", "Check"), lo, hi))
		expectAllValues(t, expectLines(t, r, "k6.check.status.fail", "c", scen, n, n), "1")
		for _, name := range []string{"k6.check.status.pass", "k6.check.serving.pass", "k6.check.serving.fail"} {
			if ls := where(r.named(name), scen); len(ls) > 0 {
				t.Errorf("grpc-broken: %s", limitList(raws(ls), 2))
			}
		}
	}

	// 2 + 2 + 2 + 1 + 2 + 1 + 1 + 1 pre-allocated VUs initialized, at most 4 + 4 + 4 + 2 + 2 + 2 + 2 + 2 busy; no run tags.
	expectVUs(t, r, "k6.", map[string]string{}, "22", "12.000000")
}

// hostsPath writes the --hosts file (k6 options.hosts JSON) and returns its path.
func hostsPath(t *testing.T, hosts string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hosts.json")
	if err := os.WriteFile(p, []byte(hosts), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// testShippedScriptSigterm runs the shipped script as the Deployment does (the plan's one-year duration)
// and stops it the way Kubernetes does, with SIGTERM: k6 aborts the run (cmd/run.go gracefulStop ->
// exit 105), without waiting for the scenarios' 30s gracefulStop, and its statsd output still flushes
// what was measured (output/statsd/output.go Stop).
func testShippedScriptSigterm(t *testing.T) {
	src, err := os.ReadFile(shippedScript)
	if err != nil {
		t.Fatalf("the shipped script: %v", err)
	}
	target := newHTTPFixture(t)
	plan := map[string]any{
		"duration":         "8760h",
		"systemTags":       shippedSystemTags,
		"servedBy":         map[string]any{"sampleEvery": 0, "maxNodes": 100},
		"connectionBroken": map[string]any{"maxIdleMs": 30000},
		"destinations":     map[string]any{"maxPods": 50, "flows": map[string]any{}},
		"flows": []any{map[string]any{"name": "http-keep", "rate": 5, "timeout": "5s", "preAllocatedVUs": 1, "maxVUs": 2, "request": map[string]any{
			"kind": "http", "method": "GET", "url": "http://keep.conformance.test:9898/api/info", "expectedStatuses": []int{200},
			"headers": map[string]string{}, "freshConnection": false, "body": nil, "expectBody": nil, "servedByUrl": nil,
		}}},
	}
	planJSON, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	planPath := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(planPath, planJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CL_PLAN": planPath}
	for k, v := range injectorStatsdEnv {
		env[k] = v
	}
	r := runK6(t, runSpec{
		script:    string(src),
		env:       env,
		args:      []string{"--hosts", hostsPath(t, hostsJSON(map[string]string{"keep.conformance.test:9898": target.hostPort()}))},
		sigtermAt: 2500 * time.Millisecond,
		timeout:   30 * time.Second,
	})
	expectExit(t, r, 105)
	if r.elapsed > 8*time.Second {
		t.Errorf("exited %s after start, SIGTERM at 2.5s: the run is aborted, not drained for gracefulStop", r.elapsed.Round(time.Millisecond))
	}
	scen := map[string]string{"scenario": "http-keep", "flow": "http-keep"}
	reqs := where(r.named("k6.http_reqs"), scen)
	served := int(target.requests.Load())
	// Every answered request is measured and flushed; one in flight at the signal may be dropped
	// (metrics.PushIfNotDone on the cancelled iteration context).
	if len(reqs) < served-1 || len(reqs) > served || served < 5 {
		t.Errorf("%d http_reqs lines for %d requests served in 2.5s at 5/s", len(reqs), served)
	}
	expectLines(t, r, "k6.http_reqs", "c", withTags(scen, "status", "200", "method", "GET", "expected_response", "true"), len(reqs), len(reqs))
}
