module continuous-load.test/k6-runner

go 1.22.12

require (
	github.com/DataDog/datadog-go v0.0.0-20180330214955-e67964b4021a
	github.com/grafana/sobek v0.0.0-20240829081756-447e8c611945
	github.com/jhump/protoreflect v1.16.0
	golang.org/x/net v0.28.0
	google.golang.org/grpc v1.65.0
	google.golang.org/protobuf v1.34.2
	gopkg.in/guregu/null.v3 v3.3.0
)

require (
	github.com/bufbuild/protocompile v0.10.0 // indirect
	github.com/dlclark/regexp2 v1.11.4 // indirect
	github.com/go-sourcemap/sourcemap v2.1.4+incompatible // indirect
	github.com/golang/protobuf v1.5.4 // indirect
	github.com/google/pprof v0.0.0-20230728192033-2ba5b33183c6 // indirect
	golang.org/x/sys v0.24.0 // indirect
	golang.org/x/text v0.17.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20240822170219-fc7c04adadcd // indirect
)
