// Package grpc is the `k6/net/grpc` module's unary part: Client.connect (reflection), invoke and
// close, the status constants, and grpc_req_duration from a stats handler (k6 v0.54.0
// js/modules/k6/grpc/{grpc,client,params}.go, lib/netext/grpcext/{conn,reflect}.go).
package grpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grafana/sobek"
	"github.com/jhump/protoreflect/desc"
	"github.com/jhump/protoreflect/grpcreflect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	grpcstats "google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"continuous-load.test/k6-runner/internal/metrics"
	"continuous-load.test/k6-runner/internal/modules"
	"continuous-load.test/k6-runner/internal/options"
)

// New returns the module's exports: Client and the Status* constants (grpc.go defineConstants).
// Like k6 it registers the stream metrics (metrics.go registerMetrics) so their names are taken.
func New(vu modules.VU) map[string]any {
	rt := vu.Runtime()
	if env := vu.InitEnv(); env != nil {
		for _, n := range []string{"grpc_streams", "grpc_streams_msgs_sent", "grpc_streams_msgs_received"} {
			if _, err := env.Registry.NewMetric(n, metrics.Counter); err != nil {
				modules.Throw(rt, fmt.Errorf("failed to register GRPC module metrics: %w", err))
			}
		}
	}
	ex := map[string]any{
		"Client": func(call sobek.ConstructorCall) *sobek.Object {
			c := &client{vu: vu}
			o := rt.NewObject()
			_ = o.Set("connect", c.connect)
			_ = o.Set("invoke", c.invoke)
			_ = o.Set("close", c.close)
			return o
		},
	}
	for name, code := range map[string]codes.Code{
		"StatusOK": codes.OK, "StatusCanceled": codes.Canceled, "StatusUnknown": codes.Unknown,
		"StatusInvalidArgument": codes.InvalidArgument, "StatusDeadlineExceeded": codes.DeadlineExceeded,
		"StatusNotFound": codes.NotFound, "StatusAlreadyExists": codes.AlreadyExists,
		"StatusPermissionDenied": codes.PermissionDenied, "StatusResourceExhausted": codes.ResourceExhausted,
		"StatusFailedPrecondition": codes.FailedPrecondition, "StatusAborted": codes.Aborted,
		"StatusOutOfRange": codes.OutOfRange, "StatusUnimplemented": codes.Unimplemented,
		"StatusInternal": codes.Internal, "StatusUnavailable": codes.Unavailable,
		"StatusDataLoss": codes.DataLoss, "StatusUnauthenticated": codes.Unauthenticated,
	} {
		ex[name] = int64(code)
	}
	return ex
}

type client struct {
	vu   modules.VU
	conn *grpc.ClientConn
	addr string
	mds  map[string]protoreflect.MethodDescriptor
}

// connect is Client.Connect with the params plaintext, reflect, timeout (newConnectParams); a
// blocking dial through the VU's dialer (grpcext.DefaultOptions), then server reflection.
func (c *client) connect(addr string, params sobek.Value) (bool, error) {
	st := c.vu.State()
	if st == nil {
		return false, errors.New("connecting to a gRPC server in the init context is not supported")
	}
	plaintext, useReflect, timeout := false, false, time.Minute
	if params != nil && !sobek.IsUndefined(params) && !sobek.IsNull(params) {
		po := params.ToObject(c.vu.Runtime())
		for _, k := range po.Keys() {
			v := po.Get(k).Export()
			switch k {
			case "plaintext":
				b, ok := v.(bool)
				if !ok {
					return false, fmt.Errorf("invalid grpc.connect() parameters: invalid plaintext value: '%#v', it needs to be boolean", v)
				}
				plaintext = b
			case "reflect":
				b, ok := v.(bool)
				if !ok {
					return false, fmt.Errorf("invalid grpc.connect() parameters: invalid reflect value: '%#v', it needs to be boolean", v)
				}
				useReflect = b
			case "timeout":
				d, err := durationValue(v)
				if err != nil {
					return false, fmt.Errorf("invalid grpc.connect() parameters: invalid timeout value: %w", err)
				}
				timeout = d
			case "reflectMetadata", "maxReceiveSize", "maxSendSize", "tls":
				return false, fmt.Errorf("invalid grpc.connect() parameters: the %q param is not supported by this runner", k)
			default:
				return false, fmt.Errorf("invalid grpc.connect() parameters: unknown connect param: %q", k)
			}
		}
	}
	dialer := func(ctx context.Context, a string) (net.Conn, error) {
		return c.vu.State().Dialer.DialContext(ctx, "tcp", a)
	}
	opts := []grpc.DialOption{
		grpc.WithBlock(),
		grpc.FailOnNonTempDialError(true),
		grpc.WithReturnConnectionError(),
		grpc.WithStatsHandler(statsHandler{vu: c.vu}),
		grpc.WithContextDialer(dialer),
	}
	var cred credentials.TransportCredentials = insecure.NewCredentials()
	if !plaintext {
		return false, errors.New("TLS gRPC connections are not supported by this runner: pass {plaintext: true}")
	}
	opts = append(opts, grpc.WithTransportCredentials(cred))
	if st.Options.UserAgent.Valid {
		opts = append(opts, grpc.WithUserAgent(st.Options.UserAgent.String))
	}
	ctx, cancel := context.WithTimeout(c.vu.Context(), timeout)
	defer cancel()
	c.addr = addr
	conn, err := grpc.DialContext(ctx, addr, opts...) //nolint:staticcheck // what k6 v0.54.0 calls
	if err != nil {
		return false, err
	}
	c.conn = conn
	if !useReflect {
		return true, nil
	}
	fdset, err := reflectFiles(ctx, conn)
	if err != nil {
		return false, err
	}
	if err := c.loadMethods(fdset); err != nil {
		return false, fmt.Errorf("can't convert method info: %w", err)
	}
	return true, nil
}

// reflectFiles is grpcext reflectionClient.Reflect: every service's file and its dependencies.
func reflectFiles(ctx context.Context, conn grpc.ClientConnInterface) (*descriptorpb.FileDescriptorSet, error) {
	rc := grpcreflect.NewClientAuto(ctx, conn)
	rc.AllowMissingFileDescriptors()
	services, err := rc.ListServices()
	if err != nil {
		return nil, fmt.Errorf("can't list services: %w", err)
	}
	type key struct{ pkg, name string }
	seen := map[key]bool{}
	set := &descriptorpb.FileDescriptorSet{}
	for _, srv := range services {
		sd, err := rc.ResolveService(srv)
		if err != nil {
			return nil, fmt.Errorf("can't get method on service %q: %w", srv, err)
		}
		stack := []*desc.FileDescriptor{sd.GetFile()}
		for len(stack) > 0 {
			fd := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			k := key{fd.GetPackage(), fd.GetName()}
			stack = append(stack, fd.GetDependencies()...)
			if seen[k] {
				continue
			}
			seen[k] = true
			set.File = append(set.File, fd.AsFileDescriptorProto())
		}
	}
	return set, nil
}

// loadMethods is Client.convertToMethodInfo: "/<service full name>/<method>" -> descriptor.
func (c *client) loadMethods(set *descriptorpb.FileDescriptorSet) error {
	files, err := protodesc.NewFiles(set)
	if err != nil {
		return err
	}
	if c.mds == nil {
		c.mds = map[string]protoreflect.MethodDescriptor{}
	}
	files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		sds := fd.Services()
		for i := 0; i < sds.Len(); i++ {
			sd := sds.Get(i)
			for j := 0; j < sd.Methods().Len(); j++ {
				md := sd.Methods().Get(j)
				c.mds[fmt.Sprintf("/%s/%s", sd.FullName(), md.Name())] = md
			}
		}
		return true
	})
	return nil
}

type rpcStateKey struct{}

// rpcState carries an RPC's tags to the stats handler (grpcext rpcState).
type rpcState struct {
	mu   sync.Mutex
	tags metrics.Tags
}

// invoke is Client.Invoke: buildInvokeRequest (params metadata, tags, timeout; default timeout
// 2 minutes; system tags url/service/method/name), then grpcext Conn.Invoke.
func (c *client) invoke(method string, req sobek.Value, params sobek.Value) (sobek.Value, error) {
	st := c.vu.State()
	rt := c.vu.Runtime()
	if st == nil {
		return nil, errors.New("invoking RPC methods in the init context is not supported")
	}
	if c.conn == nil {
		return nil, errors.New("no gRPC connection, you must call connect first")
	}
	if method == "" {
		return nil, errors.New("method to invoke cannot be empty")
	}
	if method[0] != '/' {
		method = "/" + method
	}
	md := c.mds[method]
	if md == nil {
		return nil, fmt.Errorf("method %q not found in file descriptors", method)
	}
	tags := st.Tags
	meta := metadata.New(nil)
	timeout := time.Duration(0)
	if params != nil && !sobek.IsUndefined(params) && !sobek.IsNull(params) {
		po := params.ToObject(rt)
		for _, k := range po.Keys() {
			v := po.Get(k)
			switch k {
			case "metadata":
				if sobek.IsUndefined(v) || sobek.IsNull(v) {
					continue
				}
				mo := v.ToObject(rt)
				for _, mk := range mo.Keys() {
					mv := mo.Get(mk)
					s, ok := mv.Export().(string)
					if !ok {
						return nil, fmt.Errorf("invalid GRPC's client.invoke() parameters: invalid metadata param: metadata %q value must be a string", mk)
					}
					meta.Append(mk, s)
				}
			case "tags":
				t, err := modules.ApplyCustomUserTags(rt, tags, v)
				if err != nil {
					return nil, fmt.Errorf("invalid GRPC's client.invoke() parameters: metric tags: %w", err)
				}
				tags = t
			case "timeout":
				d, err := durationValue(v.Export())
				if err != nil {
					return nil, fmt.Errorf("invalid GRPC's client.invoke() parameters: invalid timeout value: %w", err)
				}
				timeout = d
			case "discardResponseMessage":
				return nil, errors.New("invalid GRPC's client.invoke() parameters: discardResponseMessage is not supported by this runner")
			default:
				return nil, fmt.Errorf("invalid GRPC's client.invoke() parameters: unknown param: %q", k)
			}
		}
	}
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	if req == nil {
		return nil, errors.New("request cannot be nil")
	}
	b, err := req.ToObject(rt).MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("unable to serialise request object: %w", err)
	}
	// callParams.SetSystemTags
	en := st.SystemTags
	if en.Has("url") {
		tags = tags.With("url", c.addr+method)
	}
	parts := strings.Split(method[1:], "/")
	tags = en.SetIfEnabled(tags, "service", parts[0])
	tags = en.SetIfEnabled(tags, "method", parts[1])
	if _, ok := tags["name"]; !ok {
		tags = en.SetIfEnabled(tags, "name", method)
	}

	ctx, cancel := context.WithTimeout(c.vu.Context(), timeout)
	defer cancel()
	ctx = metadata.NewOutgoingContext(ctx, meta)
	reqdm := dynamicpb.NewMessage(md.Input())
	if err := protojson.Unmarshal(b, reqdm); err != nil {
		return nil, fmt.Errorf("unable to serialise request object to protocol buffer: %w", err)
	}
	ctx = context.WithValue(ctx, rpcStateKey{}, &rpcState{tags: tags})
	resp := dynamicpb.NewMessage(md.Output())
	header, trailer := metadata.New(nil), metadata.New(nil)
	ierr := c.conn.Invoke(ctx, method, reqdm, resp, grpc.Header(&header), grpc.Trailer(&trailer))
	marshaler := protojson.MarshalOptions{EmitUnpopulated: true}
	o := rt.NewObject()
	code := codes.OK
	var errObj any
	if ierr != nil {
		sterr := status.Convert(ierr)
		code = sterr.Code()
		raw, _ := marshaler.Marshal(sterr.Proto())
		m := map[string]any{}
		_ = json.Unmarshal(raw, &m)
		errObj = m
	}
	raw, err := marshaler.Marshal(resp)
	if err != nil {
		return nil, fmt.Errorf("unable to convert response object to JSON: failed to marshal the message: %w", err)
	}
	var msg any
	if err := json.Unmarshal(raw, &msg); err != nil {
		return nil, fmt.Errorf("unable to convert response object to JSON: failed to unmarshal the message: %w", err)
	}
	_ = o.Set("message", msg)
	_ = o.Set("error", errObj)
	_ = o.Set("headers", map[string][]string(header))
	_ = o.Set("trailers", map[string][]string(trailer))
	_ = o.Set("status", int64(code))
	return o, nil
}

// close is Client.Close.
func (c *client) close() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn = nil
	return err
}

// statsHandler is grpcext statsHandler: the ip tag on OutHeader, and on End grpc_req_duration
// tagged with the numeric status, pushed with PushIfNotDone on the RPC's own context, so an RPC
// whose context ended (deadline exceeded, cancelled) emits nothing.
type statsHandler struct{ vu modules.VU }

func (h statsHandler) TagRPC(ctx context.Context, _ *grpcstats.RPCTagInfo) context.Context {
	return ctx
}
func (h statsHandler) TagConn(ctx context.Context, _ *grpcstats.ConnTagInfo) context.Context {
	return ctx
}
func (h statsHandler) HandleConn(context.Context, grpcstats.ConnStats) {}

func (h statsHandler) HandleRPC(ctx context.Context, stat grpcstats.RPCStats) {
	st := h.vu.State()
	if st == nil {
		return
	}
	rs, _ := ctx.Value(rpcStateKey{}).(*rpcState)
	if rs == nil {
		rs = &rpcState{tags: st.Tags}
	}
	switch s := stat.(type) {
	case *grpcstats.OutHeader:
		if st.SystemTags.Has("ip") && s.RemoteAddr != nil {
			if ip, _, err := net.SplitHostPort(s.RemoteAddr.String()); err == nil {
				rs.mu.Lock()
				rs.tags = rs.tags.With("ip", ip)
				rs.mu.Unlock()
			}
		}
	case *grpcstats.End:
		rs.mu.Lock()
		if st.SystemTags.Has("status") {
			rs.tags = rs.tags.With("status", strconv.Itoa(int(status.Code(s.Error))))
		}
		tags := rs.tags
		rs.mu.Unlock()
		metrics.PushIfNotDone(ctx, st.Samples, metrics.Samples{{
			Metric: st.Builtin.GRPCReqDuration, Tags: tags, Time: s.EndTime, Value: metrics.D(s.EndTime.Sub(s.BeginTime)),
		}})
	}
}

// durationValue is lib/types GetDurationValue.
func durationValue(v any) (time.Duration, error) {
	switch d := v.(type) {
	case string:
		return options.ParseExtendedDuration(d)
	case float64:
		return time.Duration(d * float64(time.Millisecond)), nil
	case int64:
		return time.Duration(d) * time.Millisecond, nil
	default:
		return 0, fmt.Errorf("unable to convert %v to a duration", v)
	}
}
