package controllers

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
)

// How every controller treats the outcome of a write.
//
// A write the API server refuses with Conflict, AlreadyExists or NotFound means the
// cache the reconciler read from is behind the server: someone changed, created or
// deleted the object since. That is not a failure to report. The pass ends, and the
// next one, brought by the watch event of that change or by cacheBehindRequeue at the
// latest, starts from the newer state.

// cacheBehindRequeue is how soon a pass that found the cache behind runs again if no
// watch event brings it sooner.
const cacheBehindRequeue = 2 * time.Second

// cacheBehind tells whether err (or any error joined in it) only says the cache is
// behind the server.
func cacheBehind(err error) bool {
	return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) || apierrors.IsNotFound(err)
}

// settle is the last step of every Reconcile: an error that only says the cache is
// behind becomes a requeue, anything else is returned for controller-runtime to log and
// retry with backoff.
func settle(result ctrl.Result, err error) (ctrl.Result, error) {
	if err != nil && cacheBehind(err) {
		return requeueSooner(result, cacheBehindRequeue), nil
	}
	return result, err
}

// requeueSooner returns result with its RequeueAfter lowered to after.
func requeueSooner(result ctrl.Result, after time.Duration) ctrl.Result {
	if result.RequeueAfter == 0 || after < result.RequeueAfter {
		result.RequeueAfter = after
	}
	return result
}

// unreachable tells the errors of an API server that cannot be reached at all
// (connection refused or reset, end of stream), as opposed to one that answers busy.
func unreachable(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// transient tells the errors of an API server that is away, restarting or busy (network
// errors, timeouts, 429, 5xx), worth a quick retry with backoff, from everything else
// (forbidden, invalid, a webhook's denial, an error with no reason at all), which a user
// must act on: only those change conditions.
func transient(err error) bool {
	return unreachable(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) ||
		apierrors.IsTooManyRequests(err) || apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err) ||
		apierrors.IsUnexpectedServerError(err) || errors.Is(err, context.DeadlineExceeded)
}
