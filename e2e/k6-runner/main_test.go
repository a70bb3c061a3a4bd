package main

import (
	"strings"
	"testing"
)

func TestParseRunFlags(t *testing.T) {
	f, err := parseRunFlags([]string{"--no-summary", "--no-thresholds", "--address=127.0.0.1:6565", "--out=statsd",
		"-e", "A=1", "--env=B=2", "-eC=3", "--hosts", "h.json", "--dns-server=127.0.0.1:53", "s.js"})
	if err != nil {
		t.Fatal(err)
	}
	if f.address != "127.0.0.1:6565" || strings.Join(f.env, ",") != "A=1,B=2,C=3" || f.hostsFile != "h.json" ||
		f.dnsServer != "127.0.0.1:53" || f.script != "s.js" || !f.includeEnv {
		t.Fatalf("%+v", f)
	}
	if f, _ := parseRunFlags([]string{"s.js"}); f.address != "localhost:6565" {
		t.Fatalf("default address %q", f.address)
	}
	if f, _ := parseRunFlags([]string{"--address=", "s.js"}); f.address != "" {
		t.Fatalf("empty address %q", f.address)
	}
	for _, bad := range [][]string{{"--bogus", "s.js"}, {"--out=json", "s.js"}, {}, {"a.js", "b.js"}, {"-e"}} {
		if _, err := parseRunFlags(bad); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
}

func TestLoopbackChecks(t *testing.T) {
	if err := checkLoopbackAddr("--dns-server", "127.0.0.53:53"); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"10.0.0.1:53", "example.com:53", "nope"} {
		if err := checkLoopbackAddr("--dns-server", a); err == nil {
			t.Errorf("%s: want an error", a)
		}
	}
	if err := checkLoopbackHost("localhost:6565"); err != nil {
		t.Fatal(err)
	}
	if err := checkLoopbackHost("0.0.0.0:6565"); err == nil {
		t.Fatal("want an error for 0.0.0.0")
	}
}

func TestLogQuoting(t *testing.T) {
	if quote("plain-value") != "plain-value" || quote("two words") != `"two words"` {
		t.Fatal(quote("two words"))
	}
}
