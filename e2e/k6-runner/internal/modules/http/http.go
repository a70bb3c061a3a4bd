// Package http is the `k6/http` module: synchronous requests per VU through the VU's transport,
// with k6 v0.54.0's metrics, tags and error codes (js/modules/k6/http/request.go parseRequest,
// lib/netext/httpext/request.go MakeRequest, transport.go, tracer.go, error_codes.go).
package http

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/grafana/sobek"
	"gopkg.in/guregu/null.v3"

	"continuous-load.test/k6-runner/internal/metrics"
	"continuous-load.test/k6-runner/internal/modules"
	"continuous-load.test/k6-runner/internal/options"
)

var errInInit = errors.New("making http requests in the init context is not supported")

// New returns the module's exports for vu.
func New(vu modules.VU) map[string]any {
	c := &client{vu: vu, responseCallback: DefaultExpectedStatuses()}
	withBody := func(method string) func(sobek.Value, ...sobek.Value) (sobek.Value, error) {
		return func(u sobek.Value, args ...sobek.Value) (sobek.Value, error) { return c.request(method, u, args...) }
	}
	// k6 v0.54.0 js/modules/k6/http/http.go: get and head take (url, params), the body slot is undefined.
	noBody := func(method string) func(sobek.Value, ...sobek.Value) (sobek.Value, error) {
		return func(u sobek.Value, args ...sobek.Value) (sobek.Value, error) {
			return c.request(method, u, append([]sobek.Value{sobek.Undefined()}, args...)...)
		}
	}
	return map[string]any{
		"request": func(method string, u sobek.Value, args ...sobek.Value) (sobek.Value, error) {
			return c.request(method, u, args...)
		},
		"get":              noBody(http.MethodGet),
		"head":             noBody(http.MethodHead),
		"post":             withBody(http.MethodPost),
		"put":              withBody(http.MethodPut),
		"patch":            withBody(http.MethodPatch),
		"del":              withBody(http.MethodDelete),
		"options":          withBody(http.MethodOptions),
		"expectedStatuses": c.expectedStatuses,
		// response_callback.go Client.SetResponseCallback: the module instance's default
		// callback (callable in the init code too); null removes it.
		"setResponseCallback": func(v sobek.Value) {
			if v == nil || sobek.IsNull(v) || sobek.IsUndefined(v) {
				c.responseCallback = nil
				return
			}
			e, ok := v.Export().(*expectedStatuses)
			if !ok {
				modules.Throw(vu.Runtime(), errors.New("unsupported argument, expected http.expectedStatuses"))
			}
			c.responseCallback = e.match
		},
	}
}

type client struct {
	vu               modules.VU
	responseCallback func(int) bool
}

// expectedStatuses is the object http.expectedStatuses returns (js/modules/k6/http/response_callback.go).
type expectedStatuses struct {
	minmax [][2]int
	exact  []int
}

func (e *expectedStatuses) match(status int) bool {
	for _, v := range e.exact {
		if v == status {
			return true
		}
	}
	for _, v := range e.minmax {
		if v[0] <= status && status <= v[1] {
			return true
		}
	}
	return false
}

// DefaultExpectedStatuses is the default responseCallback: 200-399.
func DefaultExpectedStatuses() func(int) bool {
	e := &expectedStatuses{minmax: [][2]int{{200, 399}}}
	return e.match
}

func callbackOf(v sobek.Value) (func(int) bool, error) {
	if v == nil || sobek.IsNull(v) || sobek.IsUndefined(v) {
		return nil, nil
	}
	if e, ok := v.Export().(*expectedStatuses); ok {
		return e.match, nil
	}
	return nil, errors.New("unsupported responseCallback")
}

// expectedStatuses is js/modules/k6/http/response_callback.go expectedStatuses: integers or
// {min, max} objects.
func (c *client) expectedStatuses(args ...sobek.Value) *expectedStatuses {
	rt := c.vu.Runtime()
	if len(args) == 0 {
		modules.Throw(rt, errors.New("no arguments"))
	}
	var result expectedStatuses
	const errMsg = "argument number %d to expectedStatuses was neither an integer nor an object like {min:100, max:329}"
	for i, arg := range args {
		o := arg.ToObject(rt)
		if o == nil {
			modules.Throw(rt, fmt.Errorf(errMsg, i+1))
		}
		if isInteger(arg) {
			result.exact = append(result.exact, int(o.ToInteger()))
		} else {
			mn, mx := o.Get("min"), o.Get("max")
			if mn == nil || mx == nil || !isInteger(mn) || !isInteger(mx) {
				modules.Throw(rt, fmt.Errorf(errMsg, i+1))
			}
			result.minmax = append(result.minmax, [2]int{int(mn.ToInteger()), int(mx.ToInteger())})
		}
	}
	return &result
}

func isInteger(v sobek.Value) bool {
	switch x := v.Export().(type) {
	case int64:
		return true
	case float64:
		return x == float64(int64(x))
	}
	return false
}

// responseType values (lib/netext/httpext/response.go ResponseType).
const (
	respText   = "text"
	respBinary = "binary"
	respNone   = "none"
)

type parsedRequest struct {
	req          *http.Request
	body         []byte
	hasBody      bool
	timeout      time.Duration
	throw        bool
	redirects    null.Int
	responseType string
	callback     func(int) bool
	tags         metrics.Tags
	jar          *cookiejar.Jar
}

// parseRequest is js/modules/k6/http/request.go Client.parseRequest for the params this runner
// supports: headers, tags, timeout, redirects, responseType, responseCallback, throw.
func (c *client) parseRequest(method string, reqURL sobek.Value, body any, params sobek.Value) (*parsedRequest, error) {
	st := c.vu.State()
	rt := c.vu.Runtime()
	// httpext.ToURL / NewURL: a string URL that url.Parse refuses is error 1020; anything else
	// (no scheme, no host) fails later in the client like in k6.
	us, ok := reqURL.Export().(string)
	if !ok {
		return nil, k6Error{invalidURLErrorCode, fmt.Sprintf("%s: '#%v'", invalidURLErrorCodeMsg, reqURL.Export()), nil}
	}
	u, err := url.Parse(us)
	if err != nil {
		return nil, k6Error{invalidURLErrorCode, fmt.Sprintf("%s: %s", invalidURLErrorCodeMsg, err), err}
	}
	p := &parsedRequest{
		req:       &http.Request{Method: method, URL: u, Header: make(http.Header), Host: u.Host},
		timeout:   60 * time.Second,
		throw:     st.Options.Throw.Bool,
		redirects: st.Options.MaxRedirects,
		callback:  c.responseCallback,
		tags:      st.Tags,
		jar:       st.CookieJar,
	}
	if !p.redirects.Valid {
		p.redirects = null.NewInt(10, false) // lib/options.go default maxRedirects
	}
	if st.Options.DiscardResponseBodies.Bool {
		p.responseType = respNone
	} else {
		p.responseType = respText
	}
	switch b := body.(type) {
	case nil:
	case string:
		p.body, p.hasBody = []byte(b), true
	case []byte:
		p.body, p.hasBody = b, true
	case sobek.ArrayBuffer:
		p.body, p.hasBody = b.Bytes(), true
	case map[string]any:
		q := url.Values{}
		for k, v := range b {
			if arr, ok := v.([]any); ok {
				for _, el := range arr {
					q.Add(k, fmt.Sprintf("%v", el))
				}
				continue
			}
			q.Set(k, fmt.Sprintf("%v", v))
		}
		p.body, p.hasBody = []byte(q.Encode()), true
		p.req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		return nil, fmt.Errorf("unknown request body type %T", body)
	}
	p.req.Header.Set("User-Agent", st.Options.GetUserAgent())
	if params != nil && !sobek.IsUndefined(params) && !sobek.IsNull(params) {
		po := params.ToObject(rt)
		for _, k := range po.Keys() {
			v := po.Get(k)
			switch k {
			case "headers":
				if sobek.IsUndefined(v) || sobek.IsNull(v) {
					continue
				}
				h := v.ToObject(rt)
				for _, key := range h.Keys() {
					str := h.Get(key).String()
					if strings.ToLower(key) == "host" {
						p.req.Host = str
					}
					p.req.Header.Set(key, str)
				}
			case "redirects":
				p.redirects = null.IntFrom(v.ToInteger())
			case "tags":
				t, err := modules.ApplyCustomUserTags(rt, p.tags, v)
				if err != nil {
					return nil, fmt.Errorf("invalid HTTP request metric tags: %w", err)
				}
				p.tags = t
			case "timeout":
				d, err := durationValue(v.Export())
				if err != nil {
					return nil, fmt.Errorf("invalid timeout value: %w", err)
				}
				p.timeout = d
			case "throw":
				p.throw = v.ToBoolean()
			case "responseType":
				switch s := v.String(); s {
				case respText, respBinary, respNone:
					p.responseType = s
				default:
					return nil, fmt.Errorf("%s does not belong to ResponseType values", s)
				}
			case "responseCallback":
				cb, err := callbackOf(v)
				if err != nil {
					return nil, err
				}
				p.callback = cb
			case "cookies", "jar", "compression", "auth":
				if sobek.IsUndefined(v) || sobek.IsNull(v) {
					continue
				}
				return nil, fmt.Errorf("the %q request param is not supported by this runner", k)
			}
		}
	}
	if p.jar != nil {
		setRequestCookies(p.req, p.jar)
	}
	return p, nil
}

// setRequestCookies is httpext.SetRequestCookies without per-request cookies: the jar's cookies
// for the URL.
func setRequestCookies(req *http.Request, jar *cookiejar.Jar) {
	for _, c := range jar.Cookies(req.URL) {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
}

// durationValue is k6 lib/types GetDurationValue: a number is milliseconds, a string a duration.
func durationValue(v any) (time.Duration, error) {
	switch d := v.(type) {
	case time.Duration:
		return d, nil
	case string:
		return options.ParseExtendedDuration(d)
	case float64:
		return time.Duration(d * float64(time.Millisecond)), nil
	case int64:
		return time.Duration(d) * time.Millisecond, nil
	default:
		return 0, fmt.Errorf("unable to convert %v to a duration", v)
	}
}

// request is Client.Request + httpext.MakeRequest.
func (c *client) request(method string, u sobek.Value, args ...sobek.Value) (sobek.Value, error) {
	st := c.vu.State()
	if st == nil {
		return nil, errInInit
	}
	rt := c.vu.Runtime()
	var body any
	var params sobek.Value
	if len(args) > 0 {
		body = args[0].Export()
	}
	if len(args) > 1 {
		params = args[1]
	}
	p, err := c.parseRequest(method, u, body, params)
	if err != nil {
		// Client.handleParseRequestError: a warning and a response carrying the error.
		if st.Options.Throw.Bool {
			return nil, err
		}
		st.Logf("warning", "Request Failed\x1ferror=%q", err.Error())
		r := &response{Error: err.Error()}
		var ke k6Error
		if errors.As(err, &ke) {
			r.ErrorCode = int(ke.Code)
		}
		return r.toJS(rt), nil
	}
	resp, err := makeRequest(c.vu.Context(), st, p)
	if err != nil {
		return nil, err
	}
	return resp.toJS(rt), nil
}

type response struct {
	Status     int
	StatusText string
	Proto      string
	URL        string
	Body       any
	Headers    map[string]string
	Timings    trail
	RemoteIP   string
	RemotePort int
	Error      string
	ErrorCode  int
	ReqMethod  string
	ReqURL     string
	ReqHeaders http.Header
	ReqBody    string
	Cookies    []*http.Cookie
}

func (r *response) toJS(rt *sobek.Runtime) sobek.Value {
	o := rt.NewObject()
	set := func(k string, v any) { _ = o.Set(k, v) }
	set("status", r.Status)
	set("status_text", r.StatusText)
	set("proto", r.Proto)
	set("url", r.URL)
	switch b := r.Body.(type) {
	case nil:
		set("body", sobek.Null())
	case []byte:
		set("body", rt.NewArrayBuffer(b))
	default:
		set("body", b)
	}
	h := rt.NewObject()
	for k, v := range r.Headers {
		_ = h.Set(k, v)
	}
	set("headers", h)
	// Response.cookies: name -> [{name, value, domain, path, http_only, secure, max_age, expires}]
	// (httpext.HTTPCookie, expires in ms since the epoch).
	cookies := rt.NewObject()
	byName := map[string][]any{}
	var order []string
	for _, c := range r.Cookies {
		if _, ok := byName[c.Name]; !ok {
			order = append(order, c.Name)
		}
		byName[c.Name] = append(byName[c.Name], map[string]any{
			"name": c.Name, "value": c.Value, "domain": c.Domain, "path": c.Path, "http_only": c.HttpOnly,
			"secure": c.Secure, "max_age": c.MaxAge, "expires": c.Expires.UnixNano() / 1000000,
		})
	}
	for _, n := range order {
		_ = cookies.Set(n, byName[n])
	}
	set("cookies", cookies)
	t := rt.NewObject()
	_ = t.Set("duration", metrics.D(r.Timings.Duration))
	_ = t.Set("blocked", metrics.D(r.Timings.Blocked))
	_ = t.Set("looking_up", 0)
	_ = t.Set("connecting", metrics.D(r.Timings.Connecting))
	_ = t.Set("tls_handshaking", metrics.D(r.Timings.TLSHandshaking))
	_ = t.Set("sending", metrics.D(r.Timings.Sending))
	_ = t.Set("waiting", metrics.D(r.Timings.Waiting))
	_ = t.Set("receiving", metrics.D(r.Timings.Receiving))
	set("timings", t)
	set("remote_ip", r.RemoteIP)
	set("remote_port", r.RemotePort)
	set("tls_version", "")
	set("tls_cipher_suite", "")
	set("ocsp", rt.NewObject())
	set("error", r.Error)
	set("error_code", r.ErrorCode)
	req := rt.NewObject()
	_ = req.Set("method", r.ReqMethod)
	_ = req.Set("url", r.ReqURL)
	rh := rt.NewObject()
	for k, v := range r.ReqHeaders {
		_ = rh.Set(k, v)
	}
	_ = req.Set("headers", rh)
	_ = req.Set("body", r.ReqBody)
	_ = req.Set("cookies", rt.NewObject())
	set("request", req)
	// Response.json(): the body parsed as JSON.
	set("json", func(call sobek.FunctionCall) sobek.Value {
		s, ok := r.Body.(string)
		if !ok {
			if b, isB := r.Body.([]byte); isB {
				s = string(b)
			} else {
				modules.Throw(rt, errors.New("the body is null so we can't transform it to JSON - this likely was because of a request error getting the response"))
			}
		}
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			modules.Throw(rt, fmt.Errorf("cannot parse json due to an error at line %s", err))
		}
		return rt.ToValue(v)
	})
	return o
}

// trail is httpext.Trail's timings.
type trail struct {
	EndTime                                                                    time.Time
	Duration, Blocked, Connecting, TLSHandshaking, Sending, Waiting, Receiving time.Duration
	ConnRemoteAddr                                                             net.Addr
}

// tracer is httpext.Tracer: httptrace hooks storing unix-nano timestamps.
type tracer struct {
	getConn, connectStart, connectDone, tlsHandshakeStart, tlsHandshakeDone int64
	gotConn, wroteRequest, gotFirstResponseByte                             int64
	connRemoteAddr                                                          net.Addr
}

func now() int64 { return time.Now().UnixNano() }

func (t *tracer) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn:      func(string) { t.getConn = now() },
		ConnectStart: func(_, _ string) { atomic.CompareAndSwapInt64(&t.connectStart, 0, now()) },
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				atomic.CompareAndSwapInt64(&t.connectDone, 0, now())
			}
		},
		TLSHandshakeStart: func() { atomic.CompareAndSwapInt64(&t.tlsHandshakeStart, 0, now()) },
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			if err == nil {
				atomic.CompareAndSwapInt64(&t.tlsHandshakeDone, 0, now())
			}
		},
		// Tracer.GotConn: a reused connection has zero connecting/TLS time.
		GotConn: func(info httptrace.GotConnInfo) {
			n := now()
			t.gotConn = n
			t.connRemoteAddr = info.Conn.RemoteAddr()
			_, isTLS := info.Conn.(*tls.Conn)
			if info.Reused {
				atomic.SwapInt64(&t.connectStart, n)
				atomic.SwapInt64(&t.connectDone, n)
				if isTLS {
					atomic.SwapInt64(&t.tlsHandshakeStart, n)
					atomic.SwapInt64(&t.tlsHandshakeDone, n)
				}
			} else {
				atomic.CompareAndSwapInt64(&t.connectStart, 0, n)
				atomic.CompareAndSwapInt64(&t.connectDone, 0, n)
				if isTLS {
					atomic.CompareAndSwapInt64(&t.tlsHandshakeStart, 0, n)
					atomic.CompareAndSwapInt64(&t.tlsHandshakeDone, 0, n)
				}
			}
		},
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				atomic.StoreInt64(&t.wroteRequest, now())
			}
		},
		GotFirstResponseByte: func() { atomic.CompareAndSwapInt64(&t.gotFirstResponseByte, 0, now()) },
	}
}

// done is Tracer.Done: duration = sending + waiting + receiving.
func (t *tracer) done() trail {
	d := time.Now()
	tr := trail{ConnRemoteAddr: t.connRemoteAddr}
	if t.gotConn != 0 && t.getConn != 0 && t.gotConn > t.getConn {
		tr.Blocked = time.Duration(t.gotConn - t.getConn)
	}
	cs, cd := atomic.LoadInt64(&t.connectStart), atomic.LoadInt64(&t.connectDone)
	ts, td := atomic.LoadInt64(&t.tlsHandshakeStart), atomic.LoadInt64(&t.tlsHandshakeDone)
	gc, wr, fb := atomic.LoadInt64(&t.gotConn), atomic.LoadInt64(&t.wroteRequest), atomic.LoadInt64(&t.gotFirstResponseByte)
	if cd != 0 && cs != 0 {
		tr.Connecting = time.Duration(cd - cs)
	}
	if td != 0 && ts != 0 {
		tr.TLSHandshaking = time.Duration(td - ts)
	}
	if wr != 0 {
		switch {
		case td != 0:
			tr.Sending = time.Duration(wr - td)
		case cd != 0:
			tr.Sending = time.Duration(wr - cd)
		default:
			tr.Sending = time.Duration(wr - gc)
		}
		if fb != 0 {
			if fb > wr {
				tr.Waiting = time.Duration(fb - wr)
			}
		} else {
			tr.Waiting = d.Sub(time.Unix(0, wr))
		}
	}
	if fb != 0 {
		tr.Receiving = d.Sub(time.Unix(0, fb))
	}
	tr.EndTime = d
	tr.Duration = tr.Sending + tr.Waiting + tr.Receiving
	return tr
}

type unfinished struct {
	ctx      context.Context
	tracer   *tracer
	request  *http.Request
	response *http.Response
	err      error
}

type finished struct {
	trail     trail
	errorCode errCode
	errorMsg  string
	request   *http.Request
}

// transport is httpext.transport: every round trip is kept until the next one (or the end of
// the request) and then measured, so each redirect hop is its own set of samples.
type transport struct {
	ctx      context.Context
	state    *modules.State
	tags     metrics.Tags
	callback func(int) bool
	last     *unfinished
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.processLast(nil)
	ctx := req.Context()
	tr := &tracer{}
	resp, err := t.state.Transport.RoundTrip(req.WithContext(httptrace.WithClientTrace(ctx, tr.trace())))
	// transport.RoundTrip: timeouts become 1211 (dial) or 1050.
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op == "dial" {
			err = k6Error{tcpDialTimeoutErrorCode, tcpDialTimeoutErrorCodeMsg, ne}
		} else {
			err = k6Error{requestTimeoutErrorCode, requestTimeoutErrorCodeMsg, ne}
		}
	}
	t.last = &unfinished{ctx: ctx, tracer: tr, request: req, response: resp, err: err}
	return resp, err
}

func (t *transport) processLast(lastErr error) *finished {
	u := t.last
	t.last = nil
	if u == nil {
		return nil
	}
	if u.err == nil && lastErr != nil {
		u.err = lastErr
	}
	return t.measureAndEmit(u)
}

// measureAndEmit is transport.measureAndEmitMetrics.
func (t *transport) measureAndEmit(u *unfinished) *finished {
	tr := u.tracer.done()
	res := &finished{trail: tr, request: u.request}
	tags := t.tags
	en := t.state.SystemTags
	cleanURL := cleanURL(u.request.URL)
	if name, set := tags["name"]; !set {
		tags = en.SetIfEnabled(tags, "name", cleanURL)
		tags = en.SetIfEnabled(tags, "url", cleanURL)
	} else {
		tags = en.SetIfEnabled(tags, "url", name)
	}
	tags = en.SetIfEnabled(tags, "method", u.request.Method)
	if u.err != nil {
		res.errorCode, res.errorMsg = errorCodeForError(u.err)
		tags = en.SetIfEnabled(tags, "error", res.errorMsg)
		tags = en.SetIfEnabled(tags, "error_code", strconv.Itoa(int(res.errorCode)))
		tags = en.SetIfEnabled(tags, "status", "0")
	} else {
		tags = en.SetIfEnabled(tags, "status", strconv.Itoa(u.response.StatusCode))
		if u.response.StatusCode >= 400 {
			res.errorCode = errCode(1000 + u.response.StatusCode)
			tags = en.SetIfEnabled(tags, "error_code", strconv.Itoa(int(res.errorCode)))
		}
		tags = en.SetIfEnabled(tags, "proto", u.response.Proto)
		if u.response.TLS != nil {
			tags = en.SetIfEnabled(tags, "tls_version", tlsVersion(u.response.TLS.Version))
		}
	}
	if en.Has("ip") && tr.ConnRemoteAddr != nil {
		if ip, _, err := net.SplitHostPort(tr.ConnRemoteAddr.String()); err == nil {
			tags = tags.With("ip", ip)
		}
	}
	var failed float64
	if t.callback != nil {
		status := 0
		if u.err == nil {
			status = u.response.StatusCode
		}
		expected := t.callback(status)
		if !expected {
			failed = 1
		}
		tags = en.SetIfEnabled(tags, "expected_response", strconv.FormatBool(expected))
	}
	b := t.state.Builtin
	et := tr.EndTime
	s := metrics.Samples{
		{Metric: b.HTTPReqs, Tags: tags, Time: et, Value: 1},
		{Metric: b.HTTPReqDuration, Tags: tags, Time: et, Value: metrics.D(tr.Duration)},
		{Metric: b.HTTPReqBlocked, Tags: tags, Time: et, Value: metrics.D(tr.Blocked)},
		{Metric: b.HTTPReqConnecting, Tags: tags, Time: et, Value: metrics.D(tr.Connecting)},
		{Metric: b.HTTPReqTLSHandshaking, Tags: tags, Time: et, Value: metrics.D(tr.TLSHandshaking)},
		{Metric: b.HTTPReqSending, Tags: tags, Time: et, Value: metrics.D(tr.Sending)},
		{Metric: b.HTTPReqWaiting, Tags: tags, Time: et, Value: metrics.D(tr.Waiting)},
		{Metric: b.HTTPReqReceiving, Tags: tags, Time: et, Value: metrics.D(tr.Receiving)},
	}
	if t.callback != nil {
		s = append(s, metrics.Sample{Metric: b.HTTPReqFailed, Tags: tags, Time: et, Value: failed})
	}
	metrics.PushIfNotDone(t.ctx, t.state.Samples, s)
	return res
}

func tlsVersion(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "tls1.0"
	case tls.VersionTLS11:
		return "tls1.1"
	case tls.VersionTLS12:
		return "tls1.2"
	case tls.VersionTLS13:
		return "tls1.3"
	}
	return ""
}

// cleanURL is k6 v0.54.0 lib/netext/httpext/url.go URL.Clean on the request URL's String():
// user info is masked as "****:****" (with a password) or "****" (user only), by slicing the
// string with the lengths of the decoded user name and password, as k6 does.
func cleanURL(u *url.URL) string {
	s := u.String()
	if u.User == nil {
		return s
	}
	n := len(u.Scheme) + 3
	if password, ok := u.User.Password(); ok {
		rest := n + 1 + len(u.User.Username()) + len(password)
		if rest > len(s) {
			return s
		}
		return s[:n] + "****:****" + s[rest:]
	}
	rest := n + len(u.User.Username())
	if rest > len(s) {
		return s
	}
	return s[:n] + "****" + s[rest:]
}

// makeRequest is httpext.MakeRequest for this runner's params.
func makeRequest(ctx context.Context, st *modules.State, p *parsedRequest) (*response, error) {
	r := &response{URL: p.req.URL.String(), ReqMethod: p.req.Method, ReqURL: p.req.URL.String(), ReqHeaders: p.req.Header}
	if p.hasBody {
		body := p.body
		r.ReqBody = string(body)
		p.req.ContentLength = int64(len(body))
		p.req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		p.req.Body, _ = p.req.GetBody()
	}
	if cl := p.req.Header.Get("Content-Length"); cl != "" {
		p.req.Header.Del("Content-Length")
		if n, err := strconv.Atoi(cl); err != nil || int64(n) != p.req.ContentLength {
			st.Logf("warning", "The specified Content-Length header %q in the %s request for %s "+
				"doesn't match the actual request body length of %d, so it will be ignored!",
				cl, p.req.Method, p.req.URL, p.req.ContentLength)
		}
	}
	tt := &transport{ctx: ctx, state: st, tags: p.tags, callback: p.callback}
	hc := http.Client{
		Transport: tt,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			r.URL = req.URL.String()
			// MakeRequest: cookies of each redirect response go to the jar, and the next hop
			// carries the jar's cookies for its URL.
			if p.jar != nil {
				if rc := req.Response.Cookies(); len(rc) > 0 {
					p.jar.SetCookies(via[len(via)-1].URL, rc)
				}
				req.Header.Del("Cookie")
				setRequestCookies(req, p.jar)
			}
			if l := len(via); int64(l) > p.redirects.Int64 {
				if !p.redirects.Valid {
					u := req.URL
					if l > 0 {
						u = via[0].URL
					}
					st.Logf("warning", "Stopped after %d redirects and returned the redirection; pass { redirects: n }"+
						" in request params or set global maxRedirects to silence this\x1furl=%s", l, quoteField(u.String()))
				}
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	reqCtx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	res, resErr := hc.Do(p.req.WithContext(reqCtx))
	if res != nil && res.StatusCode == http.StatusSwitchingProtocols {
		_ = res.Body.Close()
		return nil, fmt.Errorf("unsupported response status: %s", res.Status)
	}
	if resErr == nil {
		r.Body, resErr = readBody(p.responseType, res)
		if resErr != nil && errors.Is(resErr, context.DeadlineExceeded) {
			resErr = k6Error{requestTimeoutErrorCode, requestTimeoutErrorCodeMsg, resErr}
		}
	}
	if f := tt.processLast(resErr); f != nil {
		// updateK6Response
		r.ErrorCode = int(f.errorCode)
		r.Error = f.errorMsg
		r.Timings = f.trail
		if f.trail.ConnRemoteAddr != nil {
			if ip, port, err := net.SplitHostPort(f.trail.ConnRemoteAddr.String()); err == nil {
				r.RemoteIP = ip
				r.RemotePort, _ = strconv.Atoi(port)
			}
		}
	}
	if resErr == nil {
		if p.jar != nil {
			if rc := res.Cookies(); len(rc) > 0 {
				p.jar.SetCookies(res.Request.URL, rc)
			}
		}
		r.Cookies = res.Cookies()
		r.URL = res.Request.URL.String()
		r.Status = res.StatusCode
		r.StatusText = res.Status
		r.Proto = res.Proto
		r.Headers = make(map[string]string, len(res.Header))
		for k, vs := range res.Header {
			r.Headers[k] = strings.Join(vs, ", ")
		}
	}
	if resErr != nil {
		if p.throw {
			return nil, resErr
		}
		if ctx.Err() == nil {
			st.Logf("warning", "Request Failed\x1ferror=%q", resErr.Error())
		}
	}
	return r, nil
}

// readBody is httpext readResponseBody without decompression: "none" reads and drops the body.
func readBody(respType string, res *http.Response) (any, error) {
	defer func() { _ = res.Body.Close() }()
	if respType == respNone {
		_, err := io.Copy(io.Discard, res.Body)
		return nil, err
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if respType == respBinary {
		return b, nil
	}
	return string(b), nil
}
