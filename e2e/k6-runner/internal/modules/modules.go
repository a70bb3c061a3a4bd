// Package modules defines what the Go-implemented JS modules see of a VU (k6 v0.54.0
// js/modules/modules.go VU: Runtime, State, Context, InitEnv).
package modules

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"time"

	"github.com/grafana/sobek"

	"continuous-load.test/k6-runner/internal/metrics"
	"continuous-load.test/k6-runner/internal/netext"
	"continuous-load.test/k6-runner/internal/options"
)

// State is the per-VU run state (k6 lib.State); nil while the VU runs its init code.
type State struct {
	Options    *options.Options
	SystemTags metrics.SystemTagSet
	Builtin    *metrics.Builtin
	Samples    chan<- metrics.Samples
	Transport  *http.Transport
	Dialer     *netext.Dialer
	Logf       func(level, format string, args ...any)

	VUID, VUIDGlobal uint64
	Iteration        int64
	// Tags are the VU's current tags (run tags, scenario tags, system tags group/scenario).
	Tags metrics.Tags

	GetScenarioVUIter       func() uint64
	GetScenarioLocalVUIter  func() uint64
	GetScenarioGlobalVUIter func() uint64

	// CookieJar is the VU's cookie jar, new for every iteration unless noCookiesReset
	// (js/runner.go runFn).
	CookieJar *cookiejar.Jar
}

// InitEnv is what the init context offers (k6 common.InitEnvironment).
type InitEnv struct {
	Registry *metrics.Registry
}

// VU is a module's view of its VU.
type VU interface {
	Runtime() *sobek.Runtime
	State() *State
	Context() context.Context
	InitEnv() *InitEnv
}

// ScenarioState is k6 lib.ScenarioState, carried in the VU's context while it runs a scenario.
type ScenarioState struct {
	Name, Executor string
	StartTime      time.Time
	ProgressFn     func() (float64, []string)
}

type scenarioKey struct{}

// WithScenarioState is lib.WithScenarioState.
func WithScenarioState(ctx context.Context, s *ScenarioState) context.Context {
	return context.WithValue(ctx, scenarioKey{}, s)
}

// GetScenarioState is lib.GetScenarioState.
func GetScenarioState(ctx context.Context) *ScenarioState {
	v, _ := ctx.Value(scenarioKey{}).(*ScenarioState)
	return v
}

// Throw throws err as a JS exception (k6 common.Throw).
func Throw(rt *sobek.Runtime, err error) {
	if e, ok := err.(*sobek.Exception); ok { //nolint:errorlint
		panic(e)
	}
	panic(rt.NewGoError(err))
}

// ApplyCustomUserTags is k6 v0.54.0 js/common/tags.go ApplyCustomUserTags: each value must be a
// string, boolean or number.
func ApplyCustomUserTags(rt *sobek.Runtime, tags metrics.Tags, keyValues sobek.Value) (metrics.Tags, error) {
	if keyValues == nil || sobek.IsNull(keyValues) || sobek.IsUndefined(keyValues) {
		return tags, nil
	}
	obj := keyValues.ToObject(rt)
	add := map[string]string{}
	for _, key := range obj.Keys() {
		val := obj.Get(key)
		switch val.ExportType() {
		case typeString, typeBool, typeInt64, typeFloat64:
			add[key] = val.String()
		default:
			return tags, fmt.Errorf("invalid value for metric tag '%s': "+
				"only String, Boolean and Number types are accepted as a metric tag values", key)
		}
	}
	if len(add) == 0 {
		return tags, nil
	}
	return tags.WithMap(add), nil
}

var (
	typeString  = sobek.New().ToValue("").ExportType()
	typeBool    = sobek.New().ToValue(true).ExportType()
	typeInt64   = sobek.New().ToValue(1).ExportType()
	typeFloat64 = sobek.New().ToValue(1.5).ExportType()
)
