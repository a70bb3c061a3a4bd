module continuous-load/test/tools/helm-render

go 1.22
