// Package netext is the dialer and resolver of k6 v0.54.0 lib/netext (dialer.go, resolver.go),
// with this runner's loopback guard in place of k6's blacklistIPs option.
package netext

import (
	"context"
	"fmt"
	"math/rand"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"continuous-load.test/k6-runner/internal/metrics"
	"continuous-load.test/k6-runner/internal/options"
)

// MultiResolver returns every address of a host (k6's netext.MultiResolver).
type MultiResolver func(host string) ([]net.IP, error)

// OnRefusedNameserver is told (once per process) the first nameserver the guard refused.
var OnRefusedNameserver func(address string)

var refusedNameserverOnce sync.Once

// systemResolver is Go's resolver (/etc/hosts, then the nameservers of /etc/resolv.conf), with
// the loopback guard on the nameserver connections: a nameserver outside loopback is not asked.
var systemResolver = &net.Resolver{
	PreferGo: true,
	Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			refusedNameserverOnce.Do(func() {
				if OnRefusedNameserver != nil {
					OnRefusedNameserver(address)
				}
			})
			return nil, fmt.Errorf("nameserver %s is outside loopback (k6-runner limit; use --hosts or --dns-server)", address)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, address)
	},
}

// SystemResolver is net.LookupIP, what k6 v0.54.0 js/runner.go uses as ActualResolver, through
// the guarded resolver above.
func SystemResolver(host string) ([]net.IP, error) {
	addrs, err := systemResolver.LookupIPAddr(context.Background(), host)
	if err != nil {
		return nil, err
	}
	ips := make([]net.IP, len(addrs))
	for i, a := range addrs {
		ips[i] = a.IP
	}
	return ips, nil
}

// Resolver picks one IP for a host.
type Resolver interface {
	LookupIP(host string) (net.IP, error)
}

type resolver struct {
	resolve    MultiResolver
	sel        string
	policy     string
	rrm        sync.Mutex
	rand       *rand.Rand
	roundRobin map[string]uint8
}

type cacheRecord struct {
	ips        []net.IP
	lastLookup time.Time
}

type cacheResolver struct {
	*resolver
	ttl   time.Duration
	cm    sync.Mutex
	cache map[string]cacheRecord
}

// NewResolver is k6 v0.54.0 lib/netext/resolver.go NewResolver: ttl 0 means no cache.
func NewResolver(actual MultiResolver, ttl time.Duration, sel, policy string) Resolver {
	res := &resolver{
		resolve:    actual,
		sel:        sel,
		policy:     policy,
		rand:       rand.New(rand.NewSource(time.Now().UnixNano())), //nolint:gosec
		roundRobin: map[string]uint8{},
	}
	if ttl == 0 {
		return res
	}
	return &cacheResolver{resolver: res, ttl: ttl, cache: map[string]cacheRecord{}}
}

// LookupIP is resolver.LookupIP: resolve, apply the policy, select one.
func (r *resolver) LookupIP(host string) (net.IP, error) {
	ips, err := r.resolve(host)
	if err != nil {
		return nil, err
	}
	ips = r.applyPolicy(ips)
	return r.selectOne(host, ips), nil
}

// LookupIP is cacheResolver.LookupIP: a record younger than ttl is reused.
func (r *cacheResolver) LookupIP(host string) (net.IP, error) {
	r.cm.Lock()
	var ips []net.IP
	if cr, ok := r.cache[host]; ok && time.Now().Before(cr.lastLookup.Add(r.ttl)) {
		ips = cr.ips
	} else {
		r.cm.Unlock()
		var err error
		ips, err = r.resolve(host)
		if err != nil {
			return nil, err
		}
		ips = r.applyPolicy(ips)
		r.cm.Lock()
		r.cache[host] = cacheRecord{ips: ips, lastLookup: time.Now()}
	}
	r.cm.Unlock()
	return r.selectOne(host, ips), nil
}

// selectOne is resolver.selectOne: first, roundRobin (a per-host uint8 counter) or random.
func (r *resolver) selectOne(host string, ips []net.IP) net.IP {
	if len(ips) == 0 {
		return nil
	}
	switch r.sel {
	case options.DNSFirst:
		return ips[0]
	case options.DNSRoundRobin:
		r.rrm.Lock()
		defer r.rrm.Unlock()
		ip := ips[int(r.roundRobin[host])%len(ips)]
		r.roundRobin[host]++
		return ip
	default: // random
		r.rrm.Lock()
		defer r.rrm.Unlock()
		return ips[r.rand.Intn(len(ips))]
	}
}

// applyPolicy is resolver.applyPolicy.
func (r *resolver) applyPolicy(ips []net.IP) []net.IP {
	if r.policy == options.DNSAny {
		return ips
	}
	var ip4, ip6 []net.IP
	for _, ip := range ips {
		if ip.To4() != nil {
			ip4 = append(ip4, ip)
		} else {
			ip6 = append(ip6, ip)
		}
	}
	switch r.policy {
	case options.DNSPreferIPv4:
		if len(ip4) == 0 {
			return ip6
		}
		return ip4
	case options.DNSPreferIPv6:
		if len(ip6) == 0 {
			return ip4
		}
		return ip6
	case options.DNSOnlyIPv4:
		return ip4
	case options.DNSOnlyIPv6:
		return ip6
	}
	return ips
}

// BlackListedIPError is k6's netext.BlackListedIPError; the runner returns it for every address
// outside loopback, so the request fails with k6's error code 1110 ("ip is blacklisted").
type BlackListedIPError struct {
	IP  net.IP
	Net string
}

func (b BlackListedIPError) Error() string {
	return fmt.Sprintf("IP (%s) is in a blacklisted range (%s)", b.IP, b.Net)
}

// BlockedHostError is netext.BlockedHostError (error code 1111 "hostname is blocked").
type BlockedHostError struct{ Hostname, Match string }

func (b BlockedHostError) Error() string {
	return fmt.Sprintf("hostname (%s) is in a blocked pattern (%s)", b.Hostname, b.Match)
}

// Dialer is k6's netext.Dialer: hosts overrides, the resolver, byte counters.
type Dialer struct {
	net.Dialer
	Resolver         Resolver
	Hosts            *options.Hosts
	Blacklist        []*options.IPNet
	BlockedHostnames *options.HostnameTrie

	BytesRead    int64
	BytesWritten int64
}

// DialContext is Dialer.DialContext: find the remote (hosts, literal IP or resolver), refuse
// a non-loopback IP, dial, and count the bytes of the connection.
func (d *Dialer) DialContext(ctx context.Context, proto, addr string) (net.Conn, error) {
	dialAddr, err := d.GetDialAddr(addr)
	if err != nil {
		return nil, err
	}
	conn, err := d.Dialer.DialContext(ctx, proto, dialAddr)
	if err != nil {
		return nil, err
	}
	return &Conn{Conn: conn, BytesRead: &d.BytesRead, BytesWritten: &d.BytesWritten}, nil
}

// GetDialAddr is Dialer.getDialAddr with the loopback guard as the blacklist.
func (d *Dialer) GetDialAddr(addr string) (string, error) {
	remote, err := d.findRemote(addr)
	if err != nil {
		return "", err
	}
	for _, n := range d.Blacklist {
		if n.Contains(remote.IP) {
			return "", BlackListedIPError{IP: remote.IP, Net: n.String()}
		}
	}
	if !remote.IP.IsLoopback() {
		n := "0.0.0.0/0"
		if remote.IP.To4() == nil {
			n = "::/0"
		}
		return "", BlackListedIPError{IP: remote.IP, Net: n + " outside loopback (k6-runner limit)"}
	}
	return remote.String(), nil
}

// findRemote is Dialer.findRemote.
func (d *Dialer) findRemote(addr string) (*options.Host, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ip := net.ParseIP(host)
	if d.BlockedHostnames != nil && ip == nil {
		if match, blocked := d.BlockedHostnames.Contains(host); blocked {
			return nil, BlockedHostError{Hostname: host, Match: match}
		}
	}
	if d.Hosts != nil {
		remote, e := d.getConfiguredHost(addr, host, port)
		if e != nil || remote != nil {
			return remote, e
		}
	}
	p, _ := strconv.Atoi(port)
	if ip != nil {
		return &options.Host{IP: ip, Port: p}, nil
	}
	ip, err = d.Resolver.LookupIP(host)
	if err != nil {
		return nil, err
	}
	if ip == nil {
		return nil, fmt.Errorf("lookup %s: no such host", host)
	}
	return &options.Host{IP: ip, Port: p}, nil
}

// getConfiguredHost is Dialer.getConfiguredHost: "host:port" first, then "host" (keeping the
// request's port when the entry has none).
func (d *Dialer) getConfiguredHost(addr, host, port string) (*options.Host, error) {
	if remote := d.Hosts.Match(addr); remote != nil {
		return remote, nil
	}
	if remote := d.Hosts.Match(host); remote != nil {
		if remote.Port != 0 || port == "" {
			return remote, nil
		}
		newPort, err := strconv.Atoi(port)
		if err != nil {
			return nil, err
		}
		r := *remote
		r.Port = newPort
		return &r, nil
	}
	return nil, nil //nolint:nilnil
}

// IOSamples is Dialer.IOSamples: data_sent and data_received since the last call.
func (d *Dialer) IOSamples(t time.Time, tags metrics.Tags, b *metrics.Builtin) metrics.Samples {
	w := atomic.SwapInt64(&d.BytesWritten, 0)
	r := atomic.SwapInt64(&d.BytesRead, 0)
	return metrics.Samples{
		{Metric: b.DataSent, Tags: tags, Time: t, Value: float64(w)},
		{Metric: b.DataReceived, Tags: tags, Time: t, Value: float64(r)},
	}
}

// Conn counts bytes (netext.Conn).
type Conn struct {
	net.Conn
	BytesRead, BytesWritten *int64
}

func (c *Conn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		atomic.AddInt64(c.BytesRead, int64(n))
	}
	return n, err
}

func (c *Conn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if n > 0 {
		atomic.AddInt64(c.BytesWritten, int64(n))
	}
	return n, err
}
