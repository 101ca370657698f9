package webpubsub

import (
	"context"
)

// Result is the outcome of a successful operation.
type Result struct {
	// AckID is the ack id the operation used; 0 for fire-and-forget sends.
	AckID uint64
	// Duplicated: the service answered that this ack id had been executed already (e.g. by
	// an attempt whose ack was lost). The operation took effect exactly once.
	Duplicated bool
}

// Pending is an asynchronous call in flight (the Async methods). Its completion arrives
// exactly once, on the client's dispatcher; Done is closed then and Wait returns the
// outcome. Nobody has to wait: an abandoned Pending is simply collected.
type Pending struct {
	done   chan struct{}
	result Result
	err    error
}

func newPending() *Pending { return &Pending{done: make(chan struct{})} }

// Done is closed when the call completed.
func (p *Pending) Done() <-chan struct{} { return p.done }

// Wait waits for the outcome, or until ctx ends (then it returns ctx.Err(); the call goes
// on and its outcome is discarded). Inside a listener it returns an error wrapping
// ErrIllegalState unless the call already completed, because the completion could only
// arrive after the listener returns.
func (p *Pending) Wait(ctx context.Context) (Result, error) {
	r, _, err := p.wait(ctx)
	return r, err
}

// wait is Wait, also telling whether the call completed (false: ctx ended first, or a
// listener would have deadlocked).
func (p *Pending) wait(ctx context.Context) (Result, bool, error) {
	select {
	case <-p.done:
		return p.result, true, p.err
	default:
	}
	if err := notInListener("Pending.Wait", "Pending.Done"); err != nil {
		return Result{}, false, err
	}
	select {
	case <-p.done:
		return p.result, true, p.err
	case <-ctx.Done():
		return Result{}, false, ctx.Err()
	}
}

// complete records the outcome; called once, by the completion trampoline.
func (p *Pending) complete(r Result, err error) {
	p.result, p.err = r, err
	close(p.done)
}
