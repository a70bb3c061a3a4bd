// Package grpc is the `k6/net/grpc` module.
package grpc

import (
	"errors"

	"github.com/grafana/sobek"

	"continuous-load.test/k6-runner/internal/modules"
)

// New returns the module's exports.
func New(vu modules.VU) map[string]any {
	return map[string]any{
		"Client": func(call sobek.ConstructorCall) *sobek.Object {
			modules.Throw(vu.Runtime(), errors.New("grpc: work in progress"))
			return nil
		},
	}
}
