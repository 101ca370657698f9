package webpubsub

/*
#include "webpubsub_client.h"
*/
import "C"

import (
	"fmt"
	"time"
)

// State is the client's public state.
type State uint32

const (
	// StateStopped: not started, or stopped; Start may be called.
	StateStopped State = C.WPS_STATE_STOPPED
	// StateConnecting: opening the first connection.
	StateConnecting State = C.WPS_STATE_CONNECTING
	// StateConnected: connected; operations are sent at once.
	StateConnected State = C.WPS_STATE_CONNECTED
	// StateRecovering: the reliable connection dropped and is being recovered (same
	// connection id, nothing lost); operations wait.
	StateRecovering State = C.WPS_STATE_RECOVERING
	// StateReconnecting: the connection was lost for good and a new one is being opened;
	// operations wait.
	StateReconnecting State = C.WPS_STATE_RECONNECTING
	// StateStopping: Stop is closing the connection.
	StateStopping State = C.WPS_STATE_STOPPING
)

func (s State) String() string {
	switch s {
	case StateStopped:
		return "Stopped"
	case StateConnecting:
		return "Connecting"
	case StateConnected:
		return "Connected"
	case StateRecovering:
		return "Recovering"
	case StateReconnecting:
		return "Reconnecting"
	case StateStopping:
		return "Stopping"
	}
	return fmt.Sprintf("State(%d)", uint32(s))
}

// Event is one of the event types below; the channel of Client.Events carries them, to be
// told apart with a type switch. Strings a connection does not have (an anonymous user id)
// are "", and numbers it does not have (a close code, a sequence id) are 0.
type Event interface{ event() }

// Connected: a new connection is established (not raised by a recovery).
type Connected struct {
	ConnectionID string
	UserID       string
}

// Disconnected: the connection is lost for good (recovery impossible or failed), or Stop
// closed it. The client reconnects by itself unless auto-reconnect is off or it stopped.
type Disconnected struct {
	ConnectionID string // "" if the connection was never established
	Message      string
	CloseCode    uint16 // 0 when no close frame arrived
}

// Stopped: the client stopped and will not reconnect until started again (StartAsync may
// be called from this event's listener).
type Stopped struct{}

// ServerMessage: a message from the application server.
type ServerMessage struct {
	Data       Data
	SequenceID uint64 // the service's sequence id (reliable protocol), else 0
}

// GroupMessage: a message from a joined group.
type GroupMessage struct {
	Group      string
	FromUserID string // "" if the publisher has no user id (e.g. a REST send)
	Data       Data
	SequenceID uint64 // the service's sequence id (reliable protocol), else 0
}

// RejoinGroupFailed: joining a group again on a new connection failed.
type RejoinGroupFailed struct {
	Group string
	Err   error
}

// StateChanged: the public state changed.
type StateChanged struct {
	Previous State
	Current  State
}

// Recovering: the reliable connection dropped and recovery began.
type Recovering struct {
	ConnectionID string
	CloseCode    uint16 // 0 when no close frame arrived
}

// Recovered: the connection was recovered; nothing sent to it is lost.
type Recovered struct {
	ConnectionID string
	Elapsed      time.Duration // from the drop to the recovered socket
}

// SlowConsumer: listeners fell behind, the client's event queue is full and it paused
// reading from the socket until they catch up (backpressure, not loss).
type SlowConsumer struct {
	Queued int
}

func (Connected) event()         {}
func (Disconnected) event()      {}
func (Stopped) event()           {}
func (ServerMessage) event()     {}
func (GroupMessage) event()      {}
func (RejoinGroupFailed) event() {}
func (StateChanged) event()      {}
func (Recovering) event()        {}
func (Recovered) event()         {}
func (SlowConsumer) event()      {}

// goString copies a borrowed wps_str ("" when absent).
func goString(s C.wps_str) string {
	if s.ptr == nil {
		return ""
	}
	return C.GoStringN(s.ptr, C.int(s.len))
}

// eventFromC copies a borrowed wps_event into its Go type; nil for a kind this binding does
// not know (from a newer library).
func eventFromC(e *C.wps_event) Event {
	closeCode := uint16(0)
	if e.has_close_code {
		closeCode = uint16(e.close_code)
	}
	sequenceID := uint64(0)
	if e.has_sequence_id {
		sequenceID = uint64(e.sequence_id)
	}
	switch e.kind {
	case C.WPS_EVENT_CONNECTED:
		return Connected{ConnectionID: goString(e.connection_id), UserID: goString(e.user_id)}
	case C.WPS_EVENT_DISCONNECTED:
		return Disconnected{ConnectionID: goString(e.connection_id), Message: goString(e.message), CloseCode: closeCode}
	case C.WPS_EVENT_STOPPED:
		return Stopped{}
	case C.WPS_EVENT_SERVER_MESSAGE:
		return ServerMessage{Data: receivedData(e.data_type, e.data, e.data_len), SequenceID: sequenceID}
	case C.WPS_EVENT_GROUP_MESSAGE:
		return GroupMessage{
			Group:      goString(e.group),
			FromUserID: goString(e.from_user_id),
			Data:       receivedData(e.data_type, e.data, e.data_len),
			SequenceID: sequenceID,
		}
	case C.WPS_EVENT_REJOIN_GROUP_FAILED:
		var err error = goError(ErrInternal, "rejoining the group failed")
		if e.error != nil {
			err = errorFromC(e.error)
		}
		return RejoinGroupFailed{Group: goString(e.group), Err: err}
	case C.WPS_EVENT_STATE_CHANGED:
		return StateChanged{Previous: State(e.previous_state), Current: State(e.current_state)}
	case C.WPS_EVENT_RECOVERING:
		return Recovering{ConnectionID: goString(e.connection_id), CloseCode: closeCode}
	case C.WPS_EVENT_RECOVERED:
		return Recovered{ConnectionID: goString(e.connection_id), Elapsed: time.Duration(e.elapsed_ms) * time.Millisecond}
	case C.WPS_EVENT_SLOW_CONSUMER:
		return SlowConsumer{Queued: int(e.queued)}
	}
	return nil
}
