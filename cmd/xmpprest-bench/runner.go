package main

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// opFunc runs one operation; seq is unique within the run and names what
// the operation creates.
type opFunc func(ctx context.Context, seq int64) error

// errExhausted ends a cell early: the operation has no more input (e.g. no
// account left to delete).
var errExhausted = errors.New("no more input for this operation")

// cellResult is what one measurement (one operation, one target, one
// concurrency) gave.
type cellResult struct {
	Ops        int             // successful operations timed
	Errors     int             // failed operations (warm-up included)
	Elapsed    time.Duration   // from the first timed start to the last end
	Latencies  []time.Duration // of the successful timed operations, sorted
	FirstError string          // the first failure, for the report
}

// OpsPerSec is the throughput of successful operations.
func (r cellResult) OpsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile latency (nearest rank), 0 when
// nothing was timed.
func (r cellResult) Percentile(p float64) time.Duration {
	n := len(r.Latencies)
	if n == 0 {
		return 0
	}
	i := int(p/100*float64(n)+0.5) - 1
	return r.Latencies[min(max(i, 0), n-1)]
}

// cellLimits bound one cell.
type cellLimits struct {
	Concurrency int
	Duration    time.Duration // timed phase; ops started before it ends finish
	MaxOps      int           // timed operations at most (0: no bound)
}

// runCell runs op in a closed loop on Concurrency workers: first one
// untimed warm-up operation per worker (connections opened, forms learned),
// then as many timed operations as fit in Duration, at most MaxOps.
func runCell(ctx context.Context, op opFunc, lim cellLimits, seq *atomic.Int64) cellResult {
	var (
		mu  sync.Mutex
		res cellResult
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		res.Errors++
		if res.FirstError == "" {
			res.FirstError = err.Error()
		}
	}

	// Warm-up.
	var wg sync.WaitGroup
	var exhausted atomic.Bool
	for range lim.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := op(ctx, seq.Add(1)); errors.Is(err, errExhausted) {
				exhausted.Store(true)
			} else if err != nil {
				fail(err)
			}
		}()
	}
	wg.Wait()
	if exhausted.Load() || ctx.Err() != nil {
		return res
	}

	// Timed phase.
	var tickets atomic.Int64
	start := time.Now()
	deadline := start.Add(lim.Duration)
	lats := make([][]time.Duration, lim.Concurrency)
	for w := range lim.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && !exhausted.Load() && time.Now().Before(deadline) {
				if lim.MaxOps > 0 && tickets.Add(1) > int64(lim.MaxOps) {
					return
				}
				t0 := time.Now()
				err := op(ctx, seq.Add(1))
				took := time.Since(t0)
				switch {
				case errors.Is(err, errExhausted):
					exhausted.Store(true)
				case err != nil:
					if ctx.Err() == nil {
						fail(err)
					}
				default:
					lats[w] = append(lats[w], took)
				}
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	for _, l := range lats {
		res.Latencies = append(res.Latencies, l...)
	}
	slices.Sort(res.Latencies)
	res.Ops = len(res.Latencies)
	return res
}

// merge adds the figures of another segment of the same cell.
func (r cellResult) merge(o cellResult) cellResult {
	out := cellResult{
		Ops:        r.Ops + o.Ops,
		Errors:     r.Errors + o.Errors,
		Elapsed:    r.Elapsed + o.Elapsed,
		FirstError: r.FirstError,
		Latencies:  append(slices.Clone(r.Latencies), o.Latencies...),
	}
	if out.FirstError == "" {
		out.FirstError = o.FirstError
	}
	slices.Sort(out.Latencies)
	return out
}
