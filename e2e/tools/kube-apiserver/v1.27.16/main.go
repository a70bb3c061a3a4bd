// Command kube-apiserver is a thin wrapper around k8s.io/kubernetes/cmd/kube-apiserver/app,
// equivalent to upstream's cmd/kube-apiserver/apiserver.go, for e2e tests only.
package main

import (
	"os"
	_ "time/tzdata" // CronJob spec.timeZone validation does not depend on the host's zoneinfo

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	command := app.NewAPIServerCommand()
	code := cli.Run(command)
	os.Exit(code)
}
