// Empty stand-in: k8s.io/sample-controller@v0.37.2 is not served by the Go module proxy; unused with -tags providerless.
module k8s.io/sample-controller

go 1.20
