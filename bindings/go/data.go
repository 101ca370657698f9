package webpubsub

/*
#include "webpubsub_client.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"unsafe"
)

// DataType is the type of a message payload.
type DataType uint32

const (
	// DataText is UTF-8 text.
	DataText DataType = C.WPS_DATA_TYPE_TEXT
	// DataJSON is one JSON value.
	DataJSON DataType = C.WPS_DATA_TYPE_JSON
	// DataBinary is raw bytes.
	DataBinary DataType = C.WPS_DATA_TYPE_BINARY
	// DataProtobuf is a serialized google.protobuf.Any (protobuf subprotocols only).
	DataProtobuf DataType = C.WPS_DATA_TYPE_PROTOBUF
)

func (t DataType) String() string {
	switch t {
	case DataText:
		return "text"
	case DataJSON:
		return "json"
	case DataBinary:
		return "binary"
	case DataProtobuf:
		return "protobuf"
	}
	return fmt.Sprintf("DataType(%d)", uint32(t))
}

// Data is a message payload with its type: build one with Text, JSON, RawJSON or Binary to
// send it; received messages carry one. The zero Data is invalid for sending.
type Data struct {
	typ   DataType
	bytes []byte
	err   error // a JSON marshalling error, reported when the Data is sent
}

// Text is a UTF-8 text payload.
func Text(s string) Data { return Data{typ: DataText, bytes: []byte(s)} }

// JSON is a JSON payload marshalled from v with encoding/json. A marshalling error is
// returned by the operation that sends it.
func JSON(v any) Data {
	b, err := json.Marshal(v)
	return Data{typ: DataJSON, bytes: b, err: err}
}

// RawJSON is a JSON payload that is already encoded; it must be one valid JSON value
// (the library checks and refuses it with ErrInvalidArgument otherwise).
func RawJSON(b []byte) Data { return Data{typ: DataJSON, bytes: b} }

// Binary is a raw bytes payload. The bytes are copied when the message is sent.
func Binary(b []byte) Data { return Data{typ: DataBinary, bytes: b} }

// Type says what kind of payload this is.
func (d Data) Type() DataType { return d.typ }

// Bytes returns the payload: UTF-8 for text and JSON, raw bytes otherwise. The slice is
// the Data's own; do not modify it.
func (d Data) Bytes() []byte { return d.bytes }

// String returns the payload as text (for binary data, its bytes as they are).
func (d Data) String() string { return string(d.bytes) }

// Unmarshal decodes a JSON payload into v with encoding/json. It refuses other types.
func (d Data) Unmarshal(v any) error {
	if d.typ != DataJSON {
		return fmt.Errorf("webpubsub: cannot unmarshal %s data as JSON", d.typ)
	}
	return json.Unmarshal(d.bytes, v)
}

// receivedData copies a borrowed payload out of an event.
func receivedData(typ C.wps_data_type, data *C.uint8_t, n C.size_t) Data {
	d := Data{typ: DataType(typ)}
	if n > 0 {
		d.bytes = C.GoBytes(unsafe.Pointer(data), C.int(n))
	} else {
		d.bytes = []byte{}
	}
	return d
}
