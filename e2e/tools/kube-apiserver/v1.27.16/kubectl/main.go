// Command kubectl is a thin wrapper around k8s.io/kubectl/pkg/cmd, as upstream's cmd/kubectl, built
// at the same release as the kube-apiserver next to it so the e2e tests respect the version skew
// policy and do not depend on the host's kubectl. For e2e tests only.
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
