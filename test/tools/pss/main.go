// Command pss evaluates pod specs against Pod Security Standards with the upstream evaluator
// (k8s.io/pod-security-admission, the code the kube-apiserver v1.27 admission plugin runs).
//
// Input on stdin: a JSON array of {"owner": "...", "metadata": ObjectMeta, "spec": PodSpec}.
// Output on stdout: a JSON array of {"owner", "reason", "detail"}, one per forbidden check; empty when
// every pod is allowed at the given level. usage: pss [restricted|baseline] [v1.27|latest]
package main

import (
	"encoding/json"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

type pod struct {
	Owner    string            `json:"owner"`
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     corev1.PodSpec    `json:"spec"`
}

type finding struct {
	Owner  string `json:"owner"`
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pss:", err)
		os.Exit(2)
	}
}

func run() error {
	levelArg, versionArg := "restricted", "v1.27"
	if len(os.Args) > 1 {
		levelArg = os.Args[1]
	}
	if len(os.Args) > 2 {
		versionArg = os.Args[2]
	}
	level, err := api.ParseLevel(levelArg)
	if err != nil {
		return err
	}
	version, err := api.ParseVersion(versionArg)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(os.Stdin)
	dec.DisallowUnknownFields()
	var pods []pod
	if err := dec.Decode(&pods); err != nil {
		return fmt.Errorf("decoding pods: %w", err)
	}
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks())
	if err != nil {
		return err
	}
	findings := []finding{}
	for i := range pods {
		for _, r := range evaluator.EvaluatePod(api.LevelVersion{Level: level, Version: version}, &pods[i].Metadata, &pods[i].Spec) {
			if !r.Allowed {
				findings = append(findings, finding{Owner: pods[i].Owner, Reason: r.ForbiddenReason, Detail: r.ForbiddenDetail})
			}
		}
	}
	return json.NewEncoder(os.Stdout).Encode(findings)
}
