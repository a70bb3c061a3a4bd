// Package conformance checks the k6-compatible runner against what k6 v0.54.0 sends over statsd:
// every case runs a small k6 script through the runner binary, against loopback fixtures, collects
// the DogStatsD datagrams on a 127.0.0.1 UDP socket and compares them with the lines k6 v0.54.0
// would send (each case cites the k6 source it reproduces).
package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// runnerBin is the k6-runner binary under test: K6_RUNNER_BIN, or built once by TestMain.
var runnerBin string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	if bin := os.Getenv("K6_RUNNER_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			fmt.Fprintf(os.Stderr, "K6_RUNNER_BIN=%q: %v\n", bin, err)
			return 2
		}
		runnerBin = abs
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "k6-runner-conformance-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "temp dir for the runner binary: %v\n", err)
		return 2
	}
	defer os.RemoveAll(dir)
	runnerBin = filepath.Join(dir, "k6-runner")
	// The test binary runs in this package's directory; the runner's main package is the module root.
	build := exec.Command("go", "build", "-o", runnerBin, "..")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building the runner (go build -o %s ..): %v\n", runnerBin, err)
		return 2
	}
	return m.Run()
}

// k6 v0.54.0 vendor/github.com/DataDog/datadog-go/statsd/statsd.go: OptimalPayloadSize, the frame
// limit joinMaxSize applies when flushLocked writes the buffered commands.
const optimalPayloadSize = 1432

// k6 v0.54.0 output/statsd/config.go newConfig: BufferSize 20 -> statsd.NewBuffered(addr, 20), whose
// append flushes as soon as 20 commands are buffered, so no datagram carries more than 20 lines.
const defaultBufferSize = 20

type packet struct {
	at   time.Time
	data []byte
}

// collector receives the runner's statsd datagrams on 127.0.0.1.
type collector struct {
	conn    *net.UDPConn
	mu      sync.Mutex
	packets []packet
	last    time.Time
	done    chan struct{}
}

func newCollector(t *testing.T) *collector {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("statsd listener: %v", err)
	}
	// Bursts of datagrams must not be dropped by a small socket buffer.
	_ = conn.SetReadBuffer(4 << 20)
	c := &collector{conn: conn, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		buf := make([]byte, 65536)
		for {
			n, _, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			now := time.Now()
			c.mu.Lock()
			c.packets = append(c.packets, packet{at: now, data: append([]byte(nil), buf[:n]...)})
			c.last = now
			c.mu.Unlock()
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return c
}

func (c *collector) addr() string { return c.conn.LocalAddr().String() }

// stop waits until no datagram has arrived for 300ms (at most 3s), then returns everything received.
func (c *collector) stop() []packet {
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		c.mu.Lock()
		quiet := time.Since(c.last) > 300*time.Millisecond
		c.mu.Unlock()
		if quiet {
			break
		}
	}
	c.conn.Close()
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]packet(nil), c.packets...)
}

// line is one DogStatsD line: <namespace><name>:<value>|<type>[|@<rate>][|#k:v,k:v].
type line struct {
	raw    string
	name   string
	value  string
	typ    string
	rate   string
	tags   map[string]string
	num    float64
	packet int
}

func parseLine(s string) (line, error) {
	l := line{raw: s, tags: map[string]string{}}
	bar := strings.IndexByte(s, '|')
	if bar < 0 {
		return l, fmt.Errorf("no '|' in %q", s)
	}
	head := s[:bar]
	colon := strings.LastIndexByte(head, ':')
	if colon <= 0 {
		return l, fmt.Errorf("no '<name>:<value>' in %q", s)
	}
	l.name, l.value = head[:colon], head[colon+1:]
	parts := strings.Split(s[bar+1:], "|")
	l.typ = parts[0]
	for _, p := range parts[1:] {
		switch {
		case strings.HasPrefix(p, "@"):
			l.rate = p[1:]
		case strings.HasPrefix(p, "#"):
			for _, kv := range strings.Split(p[1:], ",") {
				k, v, ok := strings.Cut(kv, ":")
				if !ok || k == "" {
					return l, fmt.Errorf("tag %q without 'key:value' in %q", kv, s)
				}
				if _, dup := l.tags[k]; dup {
					return l, fmt.Errorf("tag %q twice in %q", k, s)
				}
				l.tags[k] = v
			}
		default:
			return l, fmt.Errorf("unknown field %q in %q", p, s)
		}
	}
	n, err := strconv.ParseFloat(l.value, 64)
	if err != nil {
		return l, fmt.Errorf("value %q of %q: %v", l.value, s, err)
	}
	l.num = n
	return l, nil
}

// k6 v0.54.0 output/statsd/output.go (Output.dispatch): Counter and Rate go through Client.Count with
// an int64, Trend through TimeInMilliseconds and Gauge through Gauge with a float64; datagram's
// Client.format writes int64 with strconv.AppendInt and float64 with AppendFloat(val, 'f', 6, 64).
var (
	intValue   = regexp.MustCompile(`^-?[0-9]+$`)
	floatValue = regexp.MustCompile(`^-?[0-9]+\.[0-9]{6}$`)
)

type result struct {
	exit    int
	stderr  string
	stdout  string
	elapsed time.Duration
	packets []packet
	lines   []line
	// scriptDir holds the script and anything written next to it (plans, hosts files).
	scriptDir string
}

// named returns the lines called exactly name (namespace included).
func (r *result) named(name string) []line {
	var out []line
	for _, l := range r.lines {
		if l.name == name {
			out = append(out, l)
		}
	}
	return out
}

// where returns the lines whose tags include every key:value of sub.
func where(ls []line, sub map[string]string) []line {
	var out []line
	for _, l := range ls {
		ok := true
		for k, v := range sub {
			if got, has := l.tags[k]; !has || got != v {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

func sum(ls []line) float64 {
	var s float64
	for _, l := range ls {
		s += l.num
	}
	return s
}

func tagString(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + ":" + m[k])
	}
	return b.String()
}

// expectLines checks that there are between min and max lines called name, each with exactly the
// tag set tags (k6 sends tags in map order, so only the set is compared), of statsd type typ, and
// with the value formatting k6 fixes for that type.
func expectLines(t *testing.T, r *result, name, typ string, tags map[string]string, min, max int) []line {
	t.Helper()
	ls := r.named(name)
	want := tagString(tags)
	var matching []line
	for _, l := range ls {
		if tagString(l.tags) == want {
			matching = append(matching, l)
		}
	}
	if len(matching) < min || len(matching) > max {
		var seen []string
		for _, l := range ls {
			seen = append(seen, l.raw)
		}
		t.Errorf("%s{%s}: %d lines, want %d..%d; all %s lines: %s", name, want, len(matching), min, max, name, limitList(seen, 8))
	}
	for _, l := range matching {
		if l.typ != typ {
			t.Errorf("%q: type %q, want %q", l.raw, l.typ, typ)
		}
		checkValueFormat(t, l)
	}
	return matching
}

func checkValueFormat(t *testing.T, l line) {
	t.Helper()
	switch l.typ {
	case "c":
		if !intValue.MatchString(l.value) {
			t.Errorf("%q: a counter value is an integer (datadog-go Count, strconv.AppendInt)", l.raw)
		}
	case "g", "ms":
		if !floatValue.MatchString(l.value) {
			t.Errorf("%q: a gauge/timing value has 6 decimals (datadog-go format, AppendFloat 'f' 6)", l.raw)
		}
	default:
		t.Errorf("%q: type %q is not one k6's statsd output sends (c, g, ms)", l.raw, l.typ)
	}
}

func limitList(s []string, n int) string {
	if len(s) > n {
		return strings.Join(s[:n], " ; ") + fmt.Sprintf(" ; ... (%d more)", len(s)-n)
	}
	return strings.Join(s, " ; ")
}

// noLines asserts that no line is called name.
func noLines(t *testing.T, r *result, name string) {
	t.Helper()
	if ls := r.named(name); len(ls) > 0 {
		t.Errorf("%s: %d lines, want none: %s", name, len(ls), limitList(raws(ls), 5))
	}
}

func raws(ls []line) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.raw
	}
	return out
}

// checkPackets asserts the datagram structure datadog-go's buffered client produces (k6 v0.54.0
// vendor/github.com/DataDog/datadog-go/statsd/statsd.go append + flushLocked + joinMaxSize): lines
// joined by "\n" with no empty line and no trailing newline, at most OptimalPayloadSize bytes per
// datagram unless a single line is longer, at most bufferSize lines per datagram; and every line
// parses; an empty datagram only right before a datagram of one oversized line. It returns the parsed lines.
func checkPackets(t *testing.T, packets []packet, bufferSize int) []line {
	t.Helper()
	var out []line
	for i, p := range packets {
		s := string(p.data)
		// datadog-go as k6 v0.54.0 vendors it (statsd/statsd.go joinMaxSize) appends the (empty) buffer as a frame when a line longer than OptimalPayloadSize
		// comes first in a flush, so datadog-go then writes an empty datagram before that line's own.
		if s == "" && i+1 < len(packets) && len(packets[i+1].data) > optimalPayloadSize && !strings.Contains(string(packets[i+1].data), "\n") {
			continue
		}
		parts := strings.Split(s, "\n")
		if len(parts) > 1 && len(p.data) > optimalPayloadSize {
			t.Errorf("datagram %d: %d bytes with %d lines, want at most %d bytes", i, len(p.data), len(parts), optimalPayloadSize)
		}
		if len(parts) > bufferSize {
			t.Errorf("datagram %d: %d lines, want at most %d (statsd buffer size)", i, len(parts), bufferSize)
		}
		for _, raw := range parts {
			if raw == "" {
				t.Errorf("datagram %d: empty line (lines are joined by a single \\n, none trailing): %q", i, s)
				continue
			}
			l, err := parseLine(raw)
			if err != nil {
				t.Errorf("datagram %d: %v", i, err)
				continue
			}
			l.packet = i
			checkValueFormat(t, l)
			out = append(out, l)
		}
	}
	return out
}

// runSpec is one runner invocation.
type runSpec struct {
	script    string            // script text
	vars      map[string]string // -e KEY=VALUE
	env       map[string]string // process env on top of the statsd defaults; "" unsets
	args      []string          // extra flags before the script
	files     map[string]string // more files next to the script
	timeout   time.Duration     // kill after (default 45s)
	sigtermAt time.Duration     // send SIGTERM after this long (0: never)
}

// runK6 runs the runner the way the injector Deployment runs k6 (run --no-summary --no-thresholds
// --address=... --out=statsd), collects its statsd datagrams and checks their structure.
func runK6(t *testing.T, spec runSpec) *result {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "script.js")
	if err := os.WriteFile(script, []byte(spec.script), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, body := range spec.files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	col := newCollector(t)

	env := map[string]string{
		"K6_STATSD_ADDR":        col.addr(),
		"K6_STATSD_ENABLE_TAGS": "true",
	}
	for k, v := range spec.env {
		env[k] = v
	}
	var environ []string
	for _, kv := range os.Environ() {
		// The runner reads K6_* from its environment: only the case's own may reach it.
		if !strings.HasPrefix(kv, "K6_") && !strings.HasPrefix(kv, "CL_") {
			environ = append(environ, kv)
		}
	}
	for k, v := range env {
		if v != "" {
			environ = append(environ, k+"="+v)
		}
	}

	// Port 0: parallel cases cannot collide on the REST API port (k6 would exit 106 CannotStartRESTAPI).
	args := []string{"run", "--no-summary", "--no-thresholds", "--address=127.0.0.1:0", "--out=statsd"}
	keys := make([]string, 0, len(spec.vars))
	for k := range spec.vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "-e", k+"="+spec.vars[k])
	}
	args = append(args, spec.args...)
	args = append(args, script)

	timeout := spec.timeout
	if timeout == 0 {
		timeout = 45 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, runnerBin, args...)
	cmd.Env = environ
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", runnerBin, err)
	}
	if spec.sigtermAt > 0 {
		timer := time.AfterFunc(spec.sigtermAt, func() { _ = cmd.Process.Signal(syscall.SIGTERM) })
		defer timer.Stop()
	}
	err := cmd.Wait()
	r := &result{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start), scriptDir: dir}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("runner still running after %s (killed); stderr:\n%s", timeout, tail(r.stderr))
	case errors.As(err, &exitErr):
		r.exit = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("running %s: %v", runnerBin, err)
	}
	r.packets = col.stop()
	bufferSize := defaultBufferSize
	if v, ok := env["K6_STATSD_BUFFER_SIZE"]; ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("K6_STATSD_BUFFER_SIZE=%q", v)
		}
		bufferSize = n
	}
	r.lines = checkPackets(t, r.packets, bufferSize)
	t.Logf("runner exit %d after %s, %d datagrams, %d lines", r.exit, r.elapsed.Round(time.Millisecond), len(r.packets), len(r.lines))
	return r
}

func tail(s string) string {
	const n = 3000
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// expectExit fails the test unless the runner exited with code want.
func expectExit(t *testing.T, r *result, want int) {
	t.Helper()
	if r.exit != want {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", r.exit, want, tail(r.stderr))
	}
}

// readScript returns testdata/<name>.
func readScript(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
