package options

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/guregu/null.v3"

	"continuous-load.test/k6-runner/internal/metrics"
)

// Options is the subset of k6 v0.54.0 lib.Options this runner honours. Other option keys k6 knows
// are accepted and ignored; the ones that change what runs are refused (see Unsupported).
type Options struct {
	Scenarios             Scenarios         `json:"scenarios"`
	SystemTags            *[]string         `json:"systemTags"`
	DiscardResponseBodies null.Bool         `json:"discardResponseBodies"`
	DNS                   DNSConfig         `json:"dns"`
	RunTags               map[string]string `json:"tags"`
	Hosts                 *Hosts            `json:"hosts"`
	NoConnectionReuse     null.Bool         `json:"noConnectionReuse"`
	NoVUConnectionReuse   null.Bool         `json:"noVUConnectionReuse"`
	UserAgent             null.String       `json:"userAgent"`
	MaxRedirects          null.Int          `json:"maxRedirects"`
	Throw                 null.Bool         `json:"throw"`
	Batch                 null.Int          `json:"batch"`
	BatchPerHost          null.Int          `json:"batchPerHost"`
	NoCookiesReset        null.Bool         `json:"noCookiesReset"`
	BlacklistIPs          []*IPNet          `json:"blacklistIPs"`
	BlockedHostnames      *HostnameTrie     `json:"blockHostnames"`
	MinIterationDuration  NullDuration      `json:"minIterationDuration"`

	// Shortcut options: k6 derives a scenario from them; refused here.
	VUs        null.Int        `json:"vus"`
	Duration   NullDuration    `json:"duration"`
	Iterations null.Int        `json:"iterations"`
	Stages     json.RawMessage `json:"stages"`
}

// k6KnownKeys are lib.Options' JSON keys (lib/options.go), so a key outside them gets k6's
// "unknown fields" warning and the others are accepted.
var k6KnownKeys = map[string]bool{
	"paused": true, "vus": true, "duration": true, "iterations": true, "stages": true, "scenarios": true,
	"executionSegment": true, "executionSegmentSequence": true, "noSetup": true, "setupTimeout": true,
	"noTeardown": true, "teardownTimeout": true, "rps": true, "dns": true, "maxRedirects": true,
	"userAgent": true, "batch": true, "batchPerHost": true, "httpDebug": true, "insecureSkipTLSVerify": true,
	"tlsCipherSuites": true, "tlsVersion": true, "tlsAuth": true, "throw": true, "thresholds": true,
	"blacklistIPs": true, "blockHostnames": true, "hosts": true, "noConnectionReuse": true,
	"noVUConnectionReuse": true, "minIterationDuration": true, "cloud": true, "ext": true,
	"summaryTrendStats": true, "summaryTimeUnit": true, "systemTags": true, "tags": true,
	"metricSamplesBufferSize": true, "noCookiesReset": true, "discardResponseBodies": true,
}

// DefaultUserAgent is k6 v0.54.0's default userAgent (lib/consts: "k6/" + Version + " (https://k6.io/)").
const DefaultUserAgent = "k6/0.54.0 (https://k6.io/)"

// Decode turns the JSON of the exported options into Options as k6 v0.54.0 js/bundle.go
// populateExports does: a strict decode first (unknown keys only produce a warning), then a
// lenient one whose error is the load error. warn receives the warning text.
func Decode(data []byte, warn func(string)) (Options, error) {
	var o Options
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err == nil {
		var unknown []string
		for k := range raw {
			if !k6KnownKeys[k] {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 && warn != nil {
			sort.Strings(unknown)
			// js/bundle.go: logger.WithError(err).Warn(...), err being the strict decoder's.
			warn(fmt.Sprintf("There were unknown fields in the options exported in the script\x1ferror=%q", fmt.Sprintf("json: unknown field %q", unknown[0])))
		}
	}
	if err := json.Unmarshal(data, &o); err != nil {
		return o, normalizeJSONError(err)
	}
	return o, nil
}

// normalizeJSONError writes a type error as the Go releases k6 v0.54.0 was built with did: the
// innermost decoder's context is overwritten by each enclosing one, so an error inside a
// scenario reads "Go struct field Options.scenarios of type ..." (encoding/json addErrorContext
// before Go 1.24, which now keeps the full path).
func normalizeJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		top := te.Field
		if i := strings.IndexByte(top, '.'); i >= 0 {
			top = top[:i]
		}
		return fmt.Errorf("json: cannot unmarshal %s into Go struct field Options.%s of type %s", te.Value, top, te.Type.String())
	}
	return err
}

// Scenarios is lib.ScenarioConfigs: scenario name -> config.
type Scenarios map[string]*ScenarioConfig

// UnmarshalJSON is k6 v0.54.0 lib/executors.go ScenarioConfigs.UnmarshalJSON: every scenario
// needs an executor type; each is decoded strictly (lib.StrictJSONUnmarshal) by its executor's
// config type.
func (s *Scenarios) UnmarshalJSON(data []byte) error {
	if len(data) == 0 || string(data) == "null" {
		return nil
	}
	var proto map[string]json.RawMessage
	if err := strictJSONUnmarshal(data, &proto); err != nil {
		return err
	}
	names := make([]string, 0, len(proto))
	for k := range proto {
		names = append(names, k)
	}
	sort.Strings(names)
	res := make(Scenarios, len(proto))
	for _, name := range names {
		raw := proto[name]
		var t struct {
			Executor string `json:"executor"`
		}
		if err := json.Unmarshal(raw, &t); err != nil {
			return err
		}
		if t.Executor == "" {
			return fmt.Errorf("scenario '%s' doesn't have a specified executor type", name)
		}
		switch t.Executor {
		case "constant-arrival-rate":
		case "shared-iterations", "per-vu-iterations", "constant-vus", "ramping-vus", "ramping-arrival-rate",
			"externally-controlled":
			return fmt.Errorf("scenario '%s': executor type '%s' is not supported by this runner (only constant-arrival-rate)", name, t.Executor)
		default:
			return fmt.Errorf("unknown executor type '%s'", t.Executor)
		}
		c := NewConstantArrivalRateConfig(name)
		if err := strictJSONUnmarshal(raw, c); err != nil {
			return err
		}
		res[name] = c
	}
	*s = res
	return nil
}

// strictJSONUnmarshal is k6 v0.54.0 lib/helpers.go StrictJSONUnmarshal.
func strictJSONUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("unexpected data after the JSON object")
	}
	return nil
}

// ScenarioConfig is a constant-arrival-rate scenario: k6 v0.54.0 lib/executor/base_config.go
// BaseConfig plus lib/executor/constant_arrival_rate.go ConstantArrivalRateConfig.
type ScenarioConfig struct {
	Name            string            `json:"-"`
	Type            string            `json:"executor"`
	StartTime       NullDuration      `json:"startTime"`
	GracefulStop    NullDuration      `json:"gracefulStop"`
	Env             map[string]string `json:"env"`
	Exec            null.String       `json:"exec"`
	Tags            map[string]string `json:"tags"`
	Options         json.RawMessage   `json:"options,omitempty"`
	Rate            null.Int          `json:"rate"`
	TimeUnit        NullDuration      `json:"timeUnit"`
	Duration        NullDuration      `json:"duration"`
	PreAllocatedVUs null.Int          `json:"preAllocatedVUs"`
	MaxVUs          null.Int          `json:"maxVUs"`
}

// DefaultGracefulStop is lib/executor/base_config.go DefaultGracefulStopValue.
const DefaultGracefulStop = 30 * time.Second

// minDuration is lib/executor/constant_vus.go minDuration.
const minDuration = 1 * time.Second

// NewConstantArrivalRateConfig has the defaults of NewConstantArrivalRateConfig/NewBaseConfig.
func NewConstantArrivalRateConfig(name string) *ScenarioConfig {
	return &ScenarioConfig{
		Name:         name,
		Type:         "constant-arrival-rate",
		GracefulStop: NewNullDuration(DefaultGracefulStop, false),
		TimeUnit:     NewNullDuration(time.Second, false),
	}
}

var scenarioNameWhitelist = regexp.MustCompile(`^[0-9a-zA-Z_-]+$`)

// GetExec is BaseConfig.GetExec: "default" unless set.
func (c *ScenarioConfig) GetExec() string {
	if c.Exec.Valid {
		return c.Exec.String
	}
	return "default"
}

// GetGracefulStop is BaseConfig.GetGracefulStop.
func (c *ScenarioConfig) GetGracefulStop() time.Duration { return c.GracefulStop.TimeDuration() }

// Validate is BaseConfig.Validate followed by ConstantArrivalRateConfig.Validate (which also
// defaults maxVUs to preAllocatedVUs).
func (c *ScenarioConfig) Validate() []error {
	var errs []error
	if c.Name == "" {
		errs = append(errs, errors.New("scenario name can't be empty"))
	}
	if !scenarioNameWhitelist.MatchString(c.Name) {
		errs = append(errs, errors.New("the scenario name should contain only numbers, latin letters, underscores, and dashes"))
	}
	if c.Exec.Valid && c.Exec.String == "" {
		errs = append(errs, errors.New("exec value cannot be empty"))
	}
	if c.Type == "" {
		errs = append(errs, errors.New("missing or empty type field"))
	}
	if c.StartTime.Duration < 0 {
		errs = append(errs, errors.New("the startTime can't be negative"))
	}
	if c.GracefulStop.Duration < 0 {
		errs = append(errs, errors.New("the gracefulStop timeout can't be negative"))
	}
	if !c.Rate.Valid {
		errs = append(errs, fmt.Errorf("the iteration rate isn't specified"))
	} else if c.Rate.Int64 <= 0 {
		errs = append(errs, fmt.Errorf("the iteration rate must be more than 0"))
	}
	if c.TimeUnit.TimeDuration() <= 0 {
		errs = append(errs, fmt.Errorf("the timeUnit must be more than 0"))
	}
	if !c.Duration.Valid {
		errs = append(errs, fmt.Errorf("the duration is unspecified"))
	} else if c.Duration.TimeDuration() < minDuration {
		errs = append(errs, fmt.Errorf("the duration must be at least %s, but is %s", minDuration, c.Duration.Duration))
	}
	if !c.PreAllocatedVUs.Valid {
		errs = append(errs, fmt.Errorf("the number of preAllocatedVUs isn't specified"))
	} else if c.PreAllocatedVUs.Int64 < 0 {
		errs = append(errs, fmt.Errorf("the number of preAllocatedVUs can't be negative"))
	}
	if !c.MaxVUs.Valid {
		c.MaxVUs.Int64 = c.PreAllocatedVUs.Int64
	} else if c.MaxVUs.Int64 < c.PreAllocatedVUs.Int64 {
		errs = append(errs, fmt.Errorf("maxVUs can't be less than preAllocatedVUs"))
	}
	return errs
}

// Validate runs the checks of k6 v0.54.0 cmd/config.go deriveAndValidateConfig/validateConfig
// that apply here; the result's text is consolidateErrorMessage's.
func (o *Options) Validate(isExecutable func(string) bool) error {
	var list []error
	if o.VUs.Valid || o.Duration.Valid || o.Iterations.Valid || (len(o.Stages) > 0 && string(o.Stages) != "null") {
		return errors.New("the vus/duration/iterations/stages shortcut options are not supported by this runner: define options.scenarios with the constant-arrival-rate executor")
	}
	if len(o.Scenarios) == 0 {
		return errors.New("no scenarios: this runner needs options.scenarios (k6 would run a default 1-VU, 1-iteration scenario, which this runner does not support)")
	}
	names := o.ScenarioNames()
	// lib/executors.go ScenarioConfigs.Validate.
	for _, name := range names {
		if errs := o.Scenarios[name].Validate(); len(errs) != 0 {
			parts := make([]string, len(errs))
			for i, e := range errs {
				parts[i] = e.Error()
			}
			list = append(list, fmt.Errorf("scenario %s has configuration errors: %s", name, strings.Join(parts, ", ")))
		}
	}
	// cmd/config.go validateScenarioConfig.
	for _, name := range names {
		sc := o.Scenarios[name]
		if !isExecutable(sc.GetExec()) {
			list = append(list, fmt.Errorf("executor %s: function '%s' not found in exports", name, sc.GetExec()))
		}
	}
	if len(list) == 0 {
		return nil
	}
	parts := []string{"There were problems with the specified script configuration:"}
	for _, e := range list {
		parts = append(parts, "\t- "+e.Error())
	}
	return errors.New(strings.Join(parts, "\n"))
}

// ScenarioNames returns the names sorted like lib ScenarioConfigs.GetSortedConfigs: by start time,
// then by name.
func (o *Options) ScenarioNames() []string {
	names := make([]string, 0, len(o.Scenarios))
	for k := range o.Scenarios {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := o.Scenarios[names[i]], o.Scenarios[names[j]]
		if a.StartTime.Duration != b.StartTime.Duration {
			return a.StartTime.Duration < b.StartTime.Duration
		}
		return names[i] < names[j]
	})
	return names
}

// SystemTagSet is the enabled system tags (cmd/config.go applyDefault: the default set when unset).
func (o *Options) SystemTagSet() metrics.SystemTagSet {
	if o.SystemTags == nil {
		return metrics.DefaultSystemTags()
	}
	return metrics.ToSystemTagSet(*o.SystemTags)
}

// GetUserAgent is the userAgent option or k6's default.
func (o *Options) GetUserAgent() string {
	if o.UserAgent.Valid {
		return o.UserAgent.String
	}
	return DefaultUserAgent
}

// VUCounts returns the most VUs planned at once and the most possible at once across the
// scenarios' execution steps (k6 lib/executors.go GetMaxPlannedVUs/GetMaxPossibleVUs over the
// execution plan: a scenario holds preAllocatedVUs planned and maxVUs-preAllocatedVUs unplanned
// from its startTime until startTime+duration+gracefulStop).
func (o *Options) VUCounts() (maxPlanned, maxPossible int64) {
	type step struct {
		t             time.Duration
		planned, unpl int64
	}
	var times []time.Duration
	for _, sc := range o.Scenarios {
		start := sc.StartTime.TimeDuration()
		times = append(times, start, start+sc.Duration.TimeDuration()+sc.GetGracefulStop())
	}
	for _, t := range times {
		var planned, possible int64
		for _, sc := range o.Scenarios {
			start := sc.StartTime.TimeDuration()
			end := start + sc.Duration.TimeDuration() + sc.GetGracefulStop()
			if t >= start && t < end {
				planned += sc.PreAllocatedVUs.Int64
				possible += sc.MaxVUs.Int64
			}
		}
		if planned > maxPlanned {
			maxPlanned = planned
		}
		if possible > maxPossible {
			maxPossible = possible
		}
	}
	return maxPlanned, maxPossible
}
