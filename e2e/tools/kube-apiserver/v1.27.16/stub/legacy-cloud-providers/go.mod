// Empty stand-in: k8s.io/legacy-cloud-providers@v0.27.16 is not served by the Go module proxy; unused with -tags providerless.
module k8s.io/legacy-cloud-providers

go 1.20
