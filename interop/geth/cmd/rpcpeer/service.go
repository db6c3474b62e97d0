package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/rpc"
)

// maxTicks bounds the `ticks` subscription's n: geth buffers a subscription's
// notifications until the subscribe response is out, so an unbounded n would be
// unbounded memory.
const maxTicks = 1000

// fooService is the shared test service, registered as namespace `foo`; our TypeScript
// server implements exactly the same methods so one check script runs against either.
type fooService struct{}

// fooError is foo_fail's application error: geth puts ErrorCode in `code` and ErrorData
// in `data`.
type fooError struct{}

func (fooError) Error() string          { return "foo failed" }
func (fooError) ErrorCode() int         { return -32042 }
func (fooError) ErrorData() interface{} { return map[string]string{"reason": "test"} }

// GetNumber is foo_getNumber.
func (fooService) GetNumber() int { return 42 }

// Add is foo_add.
func (fooService) Add(a, b int) int { return a + b }

// Echo is foo_echo: any JSON value back as it came (raw, so numbers keep their digits).
// The argument is a pointer because geth refuses null for a non-pointer argument
// ("missing value"); so foo_echo() with no argument answers null too, as geth fills a
// missing trailing pointer argument with nil. The result must not be a nil
// *json.RawMessage: geth v1.17.10 calls a result's MarshalJSON itself, outside its
// panic recovery, and a nil one takes the whole process down.
func (fooService) Echo(x *json.RawMessage) json.RawMessage {
	if x == nil {
		return json.RawMessage("null")
	}
	return *x
}

// Fail is foo_fail: always the error above.
func (fooService) Fail() error { return fooError{} }

// Sleep is foo_sleep: waits ms milliseconds unless the request is cancelled first.
func (fooService) Sleep(ctx context.Context, ms int) (int, error) {
	timer := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer timer.Stop()
	select {
	case <-timer.C:
		return ms, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Ticks is the subscription `ticks` (foo_subscribe("ticks", n)): notifications with
// results 0 … n-1, then it stays open until foo_unsubscribe or the connection closes.
func (fooService) Ticks(ctx context.Context, n int) (*rpc.Subscription, error) {
	if n < 0 || n > maxTicks {
		return nil, fmt.Errorf("n must be within 0..%d", maxTicks)
	}
	notifier, ok := rpc.NotifierFromContext(ctx)
	if !ok {
		return nil, rpc.ErrNotificationsUnsupported
	}
	sub := notifier.CreateSubscription()
	go func() {
		for i := 0; i < n; i++ {
			if err := notifier.Notify(sub.ID, i); err != nil {
				return
			}
		}
		<-sub.Err() // closed on unsubscribe or when the connection ends
	}()
	return sub, nil
}
