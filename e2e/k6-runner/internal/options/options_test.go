package options

import (
	"strings"
	"testing"
	"time"
)

func decode(t *testing.T, js string) (Options, error) {
	t.Helper()
	return Decode([]byte(js), func(string) {})
}

// k6 v0.54.0: a fractional rate fails in guregu null.Int's UnmarshalJSON inside the strict
// scenario decode, reported with the Options.scenarios field context.
func TestFractionalRateFailsLikeK6(t *testing.T) {
	_, err := decode(t, `{"scenarios":{"a":{"executor":"constant-arrival-rate","rate":2.5,"duration":"1s","preAllocatedVUs":1}}}`)
	want := "json: cannot unmarshal number 2.5 into Go struct field Options.scenarios of type int64"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

func TestUnknownScenarioFieldAndExecutor(t *testing.T) {
	_, err := decode(t, `{"scenarios":{"a":{"executor":"constant-arrival-rate","rate":1,"bogus":1}}}`)
	if err == nil || !strings.Contains(err.Error(), `unknown field "bogus"`) {
		t.Fatalf("got %v", err)
	}
	_, err = decode(t, `{"scenarios":{"a":{"executor":"nope"}}}`)
	if err == nil || err.Error() != "unknown executor type 'nope'" {
		t.Fatalf("got %v", err)
	}
	_, err = decode(t, `{"scenarios":{"a":{"rate":1}}}`)
	if err == nil || err.Error() != "scenario 'a' doesn't have a specified executor type" {
		t.Fatalf("got %v", err)
	}
	_, err = decode(t, `{"scenarios":{"a":{"executor":"constant-vus"}}}`)
	if err == nil || !strings.Contains(err.Error(), "not supported by this runner") {
		t.Fatalf("got %v", err)
	}
}

func TestValidateMessages(t *testing.T) {
	o, err := decode(t, `{"scenarios":{"b":{"executor":"constant-arrival-rate","rate":0,"duration":"500ms","preAllocatedVUs":2,"maxVUs":1,"exec":"x"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	err = o.Validate(func(string) bool { return false })
	want := "There were problems with the specified script configuration:\n" +
		"\t- scenario b has configuration errors: the iteration rate must be more than 0, the duration must be at least 1s, but is 500ms, maxVUs can't be less than preAllocatedVUs\n" +
		"\t- executor b: function 'x' not found in exports"
	if err == nil || err.Error() != want {
		t.Fatalf("got %q\nwant %q", err, want)
	}
}

func TestDefaultsAndMaxVUs(t *testing.T) {
	o, err := decode(t, `{"scenarios":{"a":{"executor":"constant-arrival-rate","rate":3,"timeUnit":"2s","duration":"1m","preAllocatedVUs":4}},
		"dns":{"ttl":"0","select":"roundRobin","policy":"preferIPv4"},"systemTags":["status","bogus"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(func(n string) bool { return n == "default" }); err != nil {
		t.Fatal(err)
	}
	sc := o.Scenarios["a"]
	if sc.MaxVUs.Int64 != 4 || sc.GetGracefulStop() != 30*time.Second || sc.TimeUnit.TimeDuration() != 2*time.Second {
		t.Fatalf("defaults: %+v", sc)
	}
	if o.DNS.Select != DNSRoundRobin || o.DNS.TTL != "0" {
		t.Fatalf("dns: %+v", o.DNS)
	}
	st := o.SystemTagSet()
	if !st.Has("status") || st.Has("bogus") || st.Has("method") {
		t.Fatalf("system tags: %v", st)
	}
	if _, err := decode(t, `{"dns":{"select":"sometimes"}}`); err == nil || err.Error() != "sometimes does not belong to DNSSelect values" {
		t.Fatalf("got %v", err)
	}
	if o.GetUserAgent() != "k6/0.54.0 (https://k6.io/)" {
		t.Fatal(o.GetUserAgent())
	}
}

func TestVUCountsFollowStartTimes(t *testing.T) {
	o, err := decode(t, `{"scenarios":{
		"a":{"executor":"constant-arrival-rate","rate":1,"duration":"10s","preAllocatedVUs":2,"maxVUs":5},
		"b":{"executor":"constant-arrival-rate","rate":1,"duration":"10s","preAllocatedVUs":3,"maxVUs":4,"startTime":"5s"},
		"c":{"executor":"constant-arrival-rate","rate":1,"duration":"10s","preAllocatedVUs":7,"gracefulStop":"0s","startTime":"1h"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	_ = o.Validate(func(string) bool { return true })
	planned, possible := o.VUCounts()
	if planned != 7 || possible != 9 {
		t.Fatalf("planned %d possible %d", planned, possible)
	}
}

func TestDurationsAndTTL(t *testing.T) {
	for in, want := range map[string]time.Duration{"1.5": 1500 * time.Microsecond, "2d3h": 51 * time.Hour, "90s": 90 * time.Second} {
		if got, err := ParseExtendedDuration(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for in, want := range map[string]time.Duration{"0": 0, "": 5 * time.Minute, "inf": 365 * 24 * time.Hour, "250": 250 * time.Millisecond} {
		if got, err := ParseTTL(in); err != nil || got != want {
			t.Errorf("ttl %q: %v %v", in, got, err)
		}
	}
	if _, err := ParseTTL("-1s"); err == nil || err.Error() != "invalid DNS TTL: -1s" {
		t.Errorf("got %v", err)
	}
}

func TestHostsMatch(t *testing.T) {
	h, err := NewHosts(map[string]string{"Svc:9898": "127.0.0.1:1234", "svc": "127.0.0.2", "*.example.test": "127.0.0.3"})
	if err != nil {
		t.Fatal(err)
	}
	if m := h.Match("svc:9898"); m == nil || m.String() != "127.0.0.1:1234" {
		t.Fatalf("got %v", m)
	}
	if m := h.Match("svc"); m == nil || m.Port != 0 {
		t.Fatalf("got %v", m)
	}
	if m := h.Match("a.example.test"); m == nil || m.IP.String() != "127.0.0.3" {
		t.Fatalf("got %v", m)
	}
	if _, err := NewHosts(map[string]string{"x": "not-an-ip"}); err == nil {
		t.Fatal("want an error")
	}
}
