package js

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"continuous-load.test/k6-runner/internal/metrics"
	"continuous-load.test/k6-runner/internal/modules"
)

// iterate runs one iteration of the script's default function in a fresh VU and returns the
// samples, the error and the log lines.
func iterate(t *testing.T, script string) (metrics.Samples, error, []string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.js")
	if err := os.WriteFile(p, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs []string
	logf := func(level, f string, a ...any) { logs = append(logs, level+": "+fmt.Sprintf(f, a...)) }
	r, err := New(p, map[string]string{}, logf, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Setup(); err != nil {
		t.Fatal(err)
	}
	ch := make(chan metrics.Samples, 1000)
	r.Samples = ch
	vu, err := r.NewVU(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ctx = modules.WithScenarioState(ctx, &modules.ScenarioState{Name: "s", Executor: "constant-arrival-rate", StartTime: time.Now(),
		ProgressFn: func() (float64, []string) { return 0, nil }})
	avu := vu.Activate(&ActivationParams{RunContext: ctx, Scenario: "s", Exec: "default", Tags: map[string]string{"flow": "f"},
		GetNextIterationCounters: func() (uint64, uint64) { return 0, 0 }})
	err = avu.RunOnce()
	close(ch)
	var all metrics.Samples
	for s := range ch {
		all = append(all, s...)
	}
	return all, err, logs
}

func find(s metrics.Samples, name string) []metrics.Sample {
	var out []metrics.Sample
	for _, x := range s {
		if x.Metric.Name == name {
			out = append(out, x)
		}
	}
	return out
}

const opts = `export const options = { scenarios: { s: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1 } }, %s };`

func TestHTTPSamplesTagsAndErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/ok":
			_, _ = fmt.Fprint(w, "fine "+r.Header.Get("User-Agent"))
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	script := fmt.Sprintf(opts, `systemTags: ['status', 'method', 'url', 'name', 'expected_response', 'error_code', 'scenario', 'check'] /* no group */`) + `
import http from 'k6/http';
import { check } from 'k6';
export default function () {
  const a = http.get('` + srv.URL + `/redirect', { tags: { t: '1' } });
  if (a.status !== 200 || a.body.indexOf('k6/0.54.0 (https://k6.io/)') < 0) throw new Error('redirect ' + a.status + ' ' + a.body);
  const b = http.request('GET', '` + srv.URL + `/bad', null, { responseCallback: http.expectedStatuses(200, { min: 500, max: 503 }), responseType: 'none' });
  if (b.status !== 503 || b.body !== null || b.error_code !== 1503) throw new Error('bad ' + b.status + ' ' + b.error_code);
  const c = http.get('http://127.0.0.1:1/refused');
  if (c.status !== 0 || c.error_code !== 1212) throw new Error('refused ' + c.error_code);
  check(c, { 'is zero': (r) => r.status === 0 }, { extra: 'x' });
}`
	samples, err, logs := iterate(t, script)
	if err != nil {
		t.Fatal(err, logs)
	}
	reqs := find(samples, "http_reqs")
	if len(reqs) != 4 {
		t.Fatalf("%d http_reqs samples (want one per redirect hop)", len(reqs))
	}
	want := []string{
		"{expected_response=true,flow=f,method=GET,name=" + srv.URL + "/redirect,scenario=s,status=302,t=1,url=" + srv.URL + "/redirect}",
		"{expected_response=true,flow=f,method=GET,name=" + srv.URL + "/ok,scenario=s,status=200,t=1,url=" + srv.URL + "/ok}",
		"{error_code=1503,expected_response=true,flow=f,method=GET,name=" + srv.URL + "/bad,scenario=s,status=503,url=" + srv.URL + "/bad}",
		"{error_code=1212,expected_response=false,flow=f,method=GET,name=http://127.0.0.1:1/refused,scenario=s,status=0,url=http://127.0.0.1:1/refused}",
	}
	for i, s := range reqs {
		if got := s.Tags.String(); got != want[i] {
			t.Errorf("request %d tags\n got %s\nwant %s", i, got, want[i])
		}
	}
	failed := find(samples, "http_req_failed")
	if len(failed) != 4 || failed[0].Value != 0 || failed[2].Value != 0 || failed[3].Value != 1 {
		t.Fatalf("http_req_failed %v", failed)
	}
	checks := find(samples, "checks")
	if len(checks) != 1 || checks[0].Value != 1 || checks[0].Tags["check"] != "is zero" || checks[0].Tags["extra"] != "x" {
		t.Fatalf("checks %v", checks)
	}
	if ds := find(samples, "data_sent"); len(ds) != 1 || ds[0].Value <= 0 {
		t.Fatalf("data_sent %v", ds)
	}
	if len(find(samples, "iterations")) != 1 {
		t.Fatal("no iterations sample")
	}
}

func TestCustomMetricsAndExceptions(t *testing.T) {
	script := fmt.Sprintf(opts, `tags: { run: 'r' }`) + `
import { Counter, Trend } from 'k6/metrics';
import exec from 'k6/execution';
const c = new Counter('my_count');
const tr = new Trend('my_trend', true);
let bad = '';
try { new Counter('1bad'); } catch (e) { bad = String(e); }
try { new Trend('my_count'); } catch (e) { bad += ' | ' + String(e); }
export default function () {
  c.add(true, { k: 1 });
  tr.add(2.5);
  if (exec.scenario.name !== 's' || exec.vu.idInInstance !== 1 || exec.scenario.iterationInTest !== 0) throw new Error('exec');
  throw new Error(bad);
}`
	samples, err, _ := iterate(t, script)
	if err == nil || !strings.Contains(err.Error(), "Invalid metric name: '1bad'") ||
		!strings.Contains(err.Error(), "metric 'my_count' already exists but with type counter, instead of trend") {
		t.Fatalf("got %v", err)
	}
	mc := find(samples, "my_count")
	if len(mc) != 1 || mc[0].Value != 1 || mc[0].Tags.String() != "{flow=f,group=,k=1,run=r,scenario=s}" {
		t.Fatalf("my_count %v", mc)
	}
	if tr := find(samples, "my_trend"); len(tr) != 1 || tr[0].Metric.Contains != metrics.Time {
		t.Fatalf("my_trend %v", tr)
	}
	if len(find(samples, "iterations")) != 1 {
		t.Fatal("an iteration ending in an exception is still a full iteration")
	}
}

func TestGRPCInvokeAndDeadline(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus("svc", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(s, hs)
	reflection.Register(s)
	go func() { _ = s.Serve(lis) }()
	defer s.Stop()
	script := fmt.Sprintf(opts, `systemTags: ['status', 'method', 'service', 'name', 'scenario']`) + `
import grpc from 'k6/net/grpc';
export default function () {
  const c = new grpc.Client();
  c.connect('` + lis.Addr().String() + `', { plaintext: true, reflect: true, timeout: '5s' });
  let r = c.invoke('grpc.health.v1.Health/Check', { service: 'svc' }, { tags: { x: 'y' } });
  if (r.status !== grpc.StatusOK || r.message.status !== 'SERVING' || r.error !== null) throw new Error(JSON.stringify(r));
  r = c.invoke('/grpc.health.v1.Health/Check', { service: 'other' });
  if (r.status !== grpc.StatusNotFound || r.error.code !== 5) throw new Error(JSON.stringify(r));
  r = c.invoke('/grpc.health.v1.Health/Watch', { service: 'svc' }, { timeout: '1ms' });
  c.close();
}`
	samples, err, logs := iterate(t, script)
	if err != nil {
		t.Fatal(err, logs)
	}
	d := find(samples, "grpc_req_duration")
	// Watch is a server stream that outlives its 1ms deadline: no sample, like k6.
	if len(d) != 2 {
		t.Fatalf("%d grpc_req_duration samples: %v", len(d), d)
	}
	if got := d[0].Tags.String(); got != "{flow=f,method=Check,name=/grpc.health.v1.Health/Check,scenario=s,service=grpc.health.v1.Health,status=0,x=y}" {
		t.Fatalf("tags %s", got)
	}
	if d[1].Tags["status"] != "5" {
		t.Fatalf("status %s", d[1].Tags["status"])
	}
}

// The per-iteration jar (js/runner.go runFn, httpext MakeRequest): a cookie set on a redirect is
// sent on the next hop and on later requests of the iteration.
func TestCookiesFollowRedirectsWithinAnIteration(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/set" {
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: "abc", Path: "/"})
			http.Redirect(w, r, "/echo", http.StatusFound)
			return
		}
		_, _ = fmt.Fprint(w, r.Header.Get("Cookie"))
	}))
	defer srv.Close()
	script := fmt.Sprintf(opts, `discardResponseBodies: false`) + `
import http from 'k6/http';
export default function () {
  const a = http.get('` + srv.URL + `/set');
  const b = http.get('` + srv.URL + `/echo');
  if (a.body !== 'sid=abc' || b.body !== 'sid=abc') throw new Error(a.body + ' / ' + b.body);
}`
	if _, err, logs := iterate(t, script); err != nil {
		t.Fatal(err, logs)
	}
}

// setResponseCallback works from the init code and changes the VU's default callback; null
// removes http_req_failed and expected_response.
func TestSetResponseCallbackInInit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer srv.Close()
	script := fmt.Sprintf(opts, `systemTags: ['status', 'expected_response']`) + `
import http from 'k6/http';
http.setResponseCallback(http.expectedStatuses(503));
export default function () {
  http.get('` + srv.URL + `');
  http.setResponseCallback(null);
  http.get('` + srv.URL + `');
}`
	samples, err, logs := iterate(t, script)
	if err != nil {
		t.Fatal(err, logs)
	}
	f := find(samples, "http_req_failed")
	reqs := find(samples, "http_reqs")
	if len(f) != 1 || f[0].Value != 0 || len(reqs) != 2 || reqs[1].Tags.String() != "{flow=f,status=503}" {
		t.Fatalf("failed %v reqs %v", f, reqs)
	}
}

// exec.vu.tags is live (execution.go tagsDynamicObject): a tag set there is on later samples.
func TestExecVUTagsAreLive(t *testing.T) {
	script := fmt.Sprintf(opts, `systemTags: ['scenario']`) + `
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
const c = new Counter('cc');
export default function () {
  exec.vu.tags['extra'] = 5;
  if (exec.vu.metrics.tags.extra !== '5' || exec.vu.tags.scenario !== 's') throw new Error('tags');
  c.add(1);
  let threw = false;
  try { exec.vu.tags['bad'] = {}; } catch (e) { threw = true; }
  if (!threw) throw new Error('an object tag value was accepted');
}`
	samples, err, logs := iterate(t, script)
	if err != nil {
		t.Fatal(err, logs)
	}
	if c := find(samples, "cc"); len(c) != 1 || c[0].Tags.String() != "{extra=5,flow=f,scenario=s}" {
		t.Fatalf("got %v", c)
	}
}
