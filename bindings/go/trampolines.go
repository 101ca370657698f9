package webpubsub

// The Go functions the library calls (through the static C functions of shim.c). Each gets
// its user_data back as the cgo.Handle integer. None lets a panic unwind into C: a panic in
// user code is recovered and reported (recoverPanic), and the bookkeeping around it (handle
// deletion, completion delivery) does not depend on the user code returning normally.

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"log"
	"runtime/debug"
	"sync/atomic"
)

// recoverPanic, deferred, stops a panic at the boundary and reports it on the standard
// logger with its stack: there is no Go caller to hand it to, and letting it unwind into
// the library would abort the process.
func recoverPanic(where string) {
	if r := recover(); r != nil {
		log.Printf("webpubsub: recovered panic in %s: %v\n%s", where, r, debug.Stack())
	}
}

// bindingPanics counts panics of the binding's own trampoline code (not of user
// callbacks), such as a handle deleted twice; the tests require it to stay 0.
var bindingPanics atomic.Int64

// recoverBindingPanic is recoverPanic for the binding's own code.
func recoverBindingPanic(where string) {
	if r := recover(); r != nil {
		bindingPanics.Add(1)
		log.Printf("webpubsub: BUG: recovered panic in %s: %v\n%s", where, r, debug.Stack())
	}
}

//export wpsgoEvent
func wpsgoEvent(h C.uintptr_t, e *C.wps_event) {
	defer recoverBindingPanic("event dispatch")
	stressGC()
	l := handleValue(uintptr(h)).(*Listener)
	if ev := eventFromC(e); ev != nil {
		l.invoke(ev)
	}
}

// finalizer is a handle value that wants to know when the library let go of it.
type finalizer interface{ finalize() }

//export wpsgoFree
func wpsgoFree(h C.uintptr_t) {
	defer recoverBindingPanic("finalizer")
	stressGC()
	v := handleValue(uintptr(h))
	deleteHandle(uintptr(h))
	if f, ok := v.(finalizer); ok {
		f.finalize()
	}
}

//export wpsgoComplete
func wpsgoComplete(h C.uintptr_t, code C.wps_result, r *C.wps_op_result, e *C.wps_error) {
	defer recoverBindingPanic("completion")
	stressGC()
	p := handleValue(uintptr(h)).(*Pending)
	deleteHandle(uintptr(h))
	switch {
	case code == C.WPS_RESULT_OK && r != nil:
		p.complete(Result{AckID: uint64(r.ack_id), Duplicated: bool(r.duplicated)}, nil)
	case code == C.WPS_RESULT_OK:
		p.complete(Result{}, nil) // start and stop have no op_result
	case e != nil:
		p.complete(Result{}, errorFromC(e))
	default:
		p.complete(Result{}, resultError(code, nil, "operation"))
	}
}

//export wpsgoCredential
func wpsgoCredential(h C.uintptr_t, out *C.wps_url_out) C.bool {
	defer recoverPanic("credential")
	stressGC()
	url, err := callCredential(handleValue(uintptr(h)).(credentialFunc))
	var s []byte
	if err == nil {
		s, err = cString("credential URL", url)
	}
	if err == nil {
		err = check(C.wps_url_out_set(out, charPtr(s)), "credential URL")
	}
	if err != nil {
		if m, e := cString("message", err.Error()); e == nil {
			C.wps_url_out_set_error(out, charPtr(m))
		}
		return false
	}
	return true
}

// callCredential runs the user's credential function, turning a panic into an error.
func callCredential(f credentialFunc) (url string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the credential function panicked: %v", r)
		}
	}()
	return f()
}

//export wpsgoLog
func wpsgoLog(h C.uintptr_t, level C.uint32_t, target, message C.wps_str) {
	defer recoverPanic("log handler")
	handleValue(uintptr(h)).(logFunc)(LogRecord{Level: LogLevel(level), Target: goString(target), Message: goString(message)})
}
