// Command coredns is CoreDNS (github.com/coredns/coredns/coremain) with only the plugins the
// fault-injection tests use, plus one plugin of ours, cl_delay. Upstream's coredns.go imports
// core/plugin, which compiles in every plugin (and every cloud SDK behind route53, azure, clouddns,
// kubernetes, ...); this wrapper imports the few it needs, so it builds in a fraction of the time.
// For e2e tests only: it serves static loopback records on 127.0.0.1, nothing is forwarded.
//
// Plugins and what the tests use them for:
//   - bind:     listen on 127.0.0.1 only.
//   - errors, log: errors and one line per query in the log file kept for failure messages.
//   - file:     a zone file with the Service names -> loopback A records (several per headless
//     name), with an SOA, so an unknown name gets NXDOMAIN and an AAAA query NODATA, as from
//     cluster DNS. (hosts was not used: it answers an unknown name with SERVFAIL, having no SOA,
//     plugin/hosts/hosts.go ServeDNS.)
//   - template: SERVFAIL / NXDOMAIN for a name ("rcode SERVFAIL" with no answer).
//   - erratic:  "drop 1" drops every query (no reply at all), as when UDP/53 is blocked.
//   - cl_delay: ours, below: waits, then lets the next plugin (file) answer. erratic's own
//     "delay" cannot serve here: erratic is terminal and answers every A query with 192.0.2.53
//     (TEST-NET-1), an address outside loopback that a client must never be sent to.
//
// Runtime fault switching uses SIGUSR1 (coredns/caddy sigtrap_posix.go): the Corefile is re-read
// and the servers restarted gracefully on the same sockets; the log says "Reloading complete".
package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"
	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/erratic"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/file"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/template"
)

func init() {
	// The handler chain runs in this order whatever the order in the Corefile (core/dnsserver
	// zdirectives.go holds upstream's full list; this is its subset, in upstream's relative order,
	// with cl_delay placed before the plugins that answer so that it delays their answers).
	dnsserver.Directives = []string{
		"bind",
		"errors",
		"log",
		"cl_delay",
		"template",
		"file",
		"erratic",
	}
	plugin.Register("cl_delay", setupDelay)
}

func main() {
	coremain.Run()
}

// delay holds every query for a fixed time, then passes it to the next plugin. On a reload or
// shutdown the queries still held are passed on at once: a graceful restart waits for the handlers
// in flight (core/dnsserver/server.go Server.Stop, up to its grace timeout), so held queries would
// otherwise stretch a fault switch by up to the delay; released, the fault ends when the switch does.
// (A reload that fails, which e2e/lib/coredns.ts reports as an error, leaves them released too.)
type delay struct {
	d       time.Duration
	release <-chan struct{}
	next    plugin.Handler
}

func (h delay) Name() string { return "cl_delay" }

func (h delay) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	t := time.NewTimer(h.d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-h.release:
	case <-ctx.Done():
		return dns.RcodeSuccess, nil // the client is gone (cancel plugin): write nothing
	}
	return plugin.NextOrFailure(h.Name(), h.next, ctx, w, r)
}

// Syntax: cl_delay DURATION   (Go duration, > 0 and at most 1m, e.g. 5s or 250ms)
func setupDelay(c *caddy.Controller) error {
	c.Next() // "cl_delay"
	args := c.RemainingArgs()
	if len(args) != 1 {
		return plugin.Error("cl_delay", fmt.Errorf("want exactly one argument DURATION (e.g. 5s), got %d: %v", len(args), args))
	}
	d, err := time.ParseDuration(args[0])
	if err != nil || d <= 0 || d > time.Minute {
		return plugin.Error("cl_delay", fmt.Errorf("DURATION %q: want a Go duration > 0 and <= 1m", args[0]))
	}
	if c.Next() {
		return plugin.Error("cl_delay", c.ArgErr())
	}
	// caddy's Instance.Restart runs OnRestart callbacks before it stops the old servers, and
	// OnShutdown on the way out (coredns/caddy caddy.go).
	release := make(chan struct{})
	var once sync.Once
	releaseAll := func() error { once.Do(func() { close(release) }); return nil }
	c.OnRestart(releaseAll)
	c.OnShutdown(releaseAll)
	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		return delay{d: d, release: release, next: next}
	})
	return nil
}
