// Empty stand-in: k8s.io/sample-cli-plugin@v0.37.2 is not served by the Go module proxy; unused with -tags providerless.
module k8s.io/sample-cli-plugin

go 1.20
