package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/rpc"
)

// report is what `rpcpeer check` prints: one slot per check, in the script's order.
// Each slot holds the check's outcome, or {"error": "..."} when the check itself could
// not run (timeout, transport failure, an error where a result was due or the reverse).
type report struct {
	Transport          string `json:"transport"`
	GetNumber          any    `json:"getNumber"`
	Add                any    `json:"add"`
	Echo               any    `json:"echo"`
	EchoNull           any    `json:"echoNull"`
	Batch              any    `json:"batch"`
	Fail               any    `json:"fail"`
	NoMethod           any    `json:"noMethod"`
	BadParams          any    `json:"badParams"`
	Sleep              any    `json:"sleep"`
	Ticks              any    `json:"ticks,omitempty"`
	Unsubscribed       any    `json:"unsubscribed,omitempty"`
	UnsubscribeUnknown any    `json:"unsubscribeUnknown,omitempty"`
	HTTPSubscribeError any    `json:"httpSubscribeError,omitempty"`
	HTTPSubscribeCall  any    `json:"httpSubscribeCall,omitempty"`
}

// echoValue is what the echo check sends: nested, with every kind of JSON value.
var echoValue = map[string]any{
	"s":      "text with \"quotes\", ünïcode and a \\ backslash",
	"n":      -12.5,
	"i":      9007199254740991,
	"null":   nil,
	"t":      true,
	"f":      false,
	"list":   []any{1, "two", nil, false, []any{}, map[string]any{}},
	"nested": map[string]any{"deeper": map[string]any{"list": []any{[]any{1, 2}, []any{"a"}}}},
}

// failure is a check that could not run to its end.
func failure(err error) map[string]string { return map[string]string{"error": err.Error()} }

// rpcErrorShape reads a JSON-RPC error the way geth's client exposes it: rpc.Error for
// the code, the error's text for the message, rpc.DataError for the data.
func rpcErrorShape(err error) map[string]any {
	shape := map[string]any{"message": err.Error()}
	var withCode rpc.Error
	if errors.As(err, &withCode) {
		shape["code"] = withCode.ErrorCode()
	} else {
		shape["notRPCError"] = true // a transport or client-side error, not the server's
	}
	var withData rpc.DataError
	if errors.As(err, &withData) && withData.ErrorData() != nil {
		shape["data"] = withData.ErrorData()
	}
	return shape
}

// runCheck is `rpcpeer check`: geth's client against a server offering the foo service.
func runCheck(args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	var (
		url     = fs.String("url", "", "http://…, ws://… or an IPC socket path")
		jwtHex  = fs.String("jwt-secret", "", "32-byte secret as hex: send a JWT (geth's node.NewJWTAuth) on HTTP and WebSocket")
		timeout = fs.Duration("timeout", 10*time.Second, "the limit of each check")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		return errors.New("check: --url is required")
	}
	var options []rpc.ClientOption
	if *jwtHex != "" {
		secret, err := hex.DecodeString(strings.TrimPrefix(*jwtHex, "0x"))
		if err != nil || len(secret) != 32 {
			return errors.New("check: --jwt-secret must be 32 bytes of hex")
		}
		options = append(options, rpc.WithHTTPAuth(node.NewJWTAuth([32]byte(secret))))
	}
	transport := "ipc"
	switch {
	case strings.HasPrefix(*url, "http://"), strings.HasPrefix(*url, "https://"):
		transport = "http"
	case strings.HasPrefix(*url, "ws://"), strings.HasPrefix(*url, "wss://"):
		transport = "ws"
	}

	// a check must never hang the script: past every check's limit, give up loudly
	watchdog := time.AfterFunc(20*(*timeout), func() {
		fmt.Fprintln(os.Stderr, "rpcpeer check: the script ran over its overall limit")
		os.Exit(3)
	})
	defer watchdog.Stop()

	dialCtx, cancel := context.WithTimeout(context.Background(), *timeout)
	client, err := rpc.DialOptions(dialCtx, *url, options...)
	cancel()
	if err != nil {
		line, _ := json.Marshal(map[string]any{"transport": transport, "dial": failure(err)})
		fmt.Println(string(line))
		return fmt.Errorf("check: dial %s: %w", *url, err)
	}
	defer client.Close()

	s := &script{client: client, timeout: *timeout}
	r := report{Transport: transport}
	r.GetNumber = s.result("foo_getNumber")
	r.Add = s.result("foo_add", 2, 3)
	r.Echo = s.result("foo_echo", echoValue)
	r.EchoNull = s.result("foo_echo", nil)
	r.Batch = s.batch()
	r.Fail = s.error("foo_fail")
	r.NoMethod = s.error("foo_noSuchMethod")
	r.BadParams = s.error("foo_add", "x", 1)
	r.Sleep = s.result("foo_sleep", 10)
	if transport == "http" {
		r.HTTPSubscribeError = s.httpSubscribe()
		// the same request sent as a plain call, so the server's own answer shows
		r.HTTPSubscribeCall = s.error("foo_subscribe", "ticks", 3)
	} else {
		r.Ticks, r.Unsubscribed = s.ticks(3)
		r.UnsubscribeUnknown = s.error("foo_unsubscribe", "0x00000000000000000000000000000000")
	}
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	fmt.Println(string(line))
	return nil
}

type script struct {
	client  *rpc.Client
	timeout time.Duration
}

func (s *script) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

// result is a call that must succeed: its result as raw JSON.
func (s *script) result(method string, args ...any) any {
	ctx, cancel := s.ctx()
	defer cancel()
	var raw json.RawMessage
	if err := s.client.CallContext(ctx, &raw, method, args...); err != nil {
		return failure(fmt.Errorf("%s failed: %w", method, err))
	}
	return raw
}

// error is a call that must fail: the error's code, message and data.
func (s *script) error(method string, args ...any) any {
	ctx, cancel := s.ctx()
	defer cancel()
	var raw json.RawMessage
	err := s.client.CallContext(ctx, &raw, method, args...)
	if err == nil {
		return failure(fmt.Errorf("%s: expected an error, got %s", method, raw))
	}
	return rpcErrorShape(err)
}

// batch sends getNumber, add(1,1) and a missing method in one batch: each element's
// result or error.
func (s *script) batch() any {
	ctx, cancel := s.ctx()
	defer cancel()
	results := make([]json.RawMessage, 3)
	elems := []rpc.BatchElem{
		{Method: "foo_getNumber", Result: &results[0]},
		{Method: "foo_add", Args: []any{1, 1}, Result: &results[1]},
		{Method: "foo_noSuchMethod", Result: &results[2]},
	}
	if err := s.client.BatchCallContext(ctx, elems); err != nil {
		return failure(fmt.Errorf("batch failed: %w", err))
	}
	out := make([]any, len(elems))
	for i, elem := range elems {
		if elem.Error != nil {
			out[i] = map[string]any{"error": rpcErrorShape(elem.Error)}
		} else {
			out[i] = map[string]any{"result": results[i]}
		}
	}
	return out
}

// httpSubscribe is what geth's client says when asked to subscribe over HTTP (it refuses
// without a request).
func (s *script) httpSubscribe() any {
	ctx, cancel := s.ctx()
	defer cancel()
	ch := make(chan json.RawMessage)
	sub, err := s.client.Subscribe(ctx, "foo", ch, "ticks", 3)
	if err == nil {
		sub.Unsubscribe()
		return failure(errors.New("subscribing over HTTP succeeded"))
	}
	return err.Error()
}

// ticks subscribes to ticks(n), collects n notifications and unsubscribes. The second
// result is true when the unsubscription finished cleanly (geth's client sends
// foo_unsubscribe and ends the subscription without an error).
func (s *script) ticks(n int) (any, any) {
	ctx, cancel := s.ctx()
	defer cancel()
	ch := make(chan json.RawMessage, n)
	sub, err := s.client.Subscribe(ctx, "foo", ch, "ticks", n)
	if err != nil {
		e := failure(fmt.Errorf("subscribe failed: %w", err))
		return e, e
	}
	values := make([]json.RawMessage, 0, n)
	for len(values) < n {
		select {
		case v := <-ch:
			values = append(values, v)
		case err := <-sub.Err():
			e := failure(fmt.Errorf("subscription ended after %d values: %v", len(values), err))
			return e, e
		case <-ctx.Done():
			e := failure(fmt.Errorf("%d of %d values before the limit", len(values), n))
			return e, e
		}
	}
	unsubscribed := make(chan struct{})
	go func() {
		sub.Unsubscribe()
		close(unsubscribed)
	}()
	select {
	case <-unsubscribed:
	case <-ctx.Done():
		return values, failure(errors.New("unsubscribe did not finish"))
	}
	select {
	case err, open := <-sub.Err():
		if open && err != nil {
			return values, failure(fmt.Errorf("subscription ended with %w", err))
		}
	default:
	}
	return values, true
}
