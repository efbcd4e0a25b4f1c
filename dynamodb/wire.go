package dynamodb

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// BatchWriteItem takes at most 25 put requests and 16 MB in one call
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).
// An item within DynamoDB's 400 KB, as DynamoDB counts it, can be several
// times that in the request, which carries every number as {"N":"1"}: a list
// of 134,000 ones (268 KB in a file) is 1.34 MB there, so 12 such items fill
// 16 MB. The largest valid items are strings of the characters the SDK
// escapes in six bytes (DEL, U+2028, U+2029): 409,000 DELs make a request of
// about 2.5 MB. The other shapes that grow on the way (one-digit numbers,
// "", [], {}, null, true in lists and maps) reach DynamoDB's own 400 KB
// count first or stay under 1.4 MB. An item over maxBatchBytes goes alone in
// its call, which takes all of maxInFlightBytes while it is on the wire.
const (
	batchSize = 25
	// maxBatchBytes bounds the body of one call as the SDK writes it (see
	// putRequestBytes), far under 16 MB but above the largest valid item:
	// the SDK holds a body two to three times over while it writes and
	// signs it, and DynamoDB Local answered a 15 MB call of numbers in 5 to
	// 11 s on two busy cores, past the store's 10 s response timeout.
	// Batches of ordinary movies (25 of about 1 KB) are far below it.
	maxBatchBytes = 2 << 20
	// maxInFlightBytes bounds the requests one store has on the wire at
	// once, all its Put calls together: one call of maxBatchBytes, or
	// hundreds of ordinary ones. It bounds the SDK's copies of them in
	// memory and the work handed to DynamoDB at once: sixteen concurrent
	// 4 MB calls of numbers each waited past the 10 s response timeout of
	// DynamoDB Local on two busy cores, were sent again while it still
	// worked on them, and the load failed.
	maxInFlightBytes = maxBatchBytes
)

// batchEnds cuts items of the given request sizes into BatchWriteItem calls
// of at most batchSize items whose sizes add up to at most budget, in order,
// and returns the end index of each call. An item larger than budget goes in
// a call of its own.
func batchEnds(sizes []int, budget int) []int {
	var ends []int
	n, bytes := 0, 0
	for i, size := range sizes {
		if n == batchSize || (n > 0 && bytes+size > budget) {
			ends = append(ends, i)
			n, bytes = 0, 0
		}
		n++
		bytes += size
	}
	if n > 0 {
		ends = append(ends, len(sizes))
	}
	return ends
}

// The sizes below are exact for the SDK's JSON writer (smithy-go's JSON
// shape serializer) of this module's version, which writes a BatchWriteItem
// body as
//
//	{"RequestItems":{"TABLE":[{"PutRequest":{"Item":{"year":{"N":"2013"},...}}},...]}}
//
// without spaces, each attribute value as an object with one member named
// after its type. TestRequestBytesAreTheSDKs checks them against the bytes
// the SDK sends.

// batchOverheadBytes returns the bytes of a BatchWriteItem body for table
// besides its put requests, less one for the comma putRequestBytes counts
// after each request, which the last one lacks.
func batchOverheadBytes(table string) int {
	return len(`{"RequestItems":{`) + jsonStringBytes(table) + len(`:[]}}`) - 1
}

// putRequestBytes returns the bytes of item's put request in a
// BatchWriteItem body, with the comma that follows it.
func putRequestBytes(item map[string]types.AttributeValue) int {
	return len(`{"PutRequest":{"Item":}},`) + mapBytes(item)
}

// mapBytes returns the bytes of {"name":value,...}.
func mapBytes(m map[string]types.AttributeValue) int {
	n := len(`{}`) + max(len(m)-1, 0) // braces and commas
	for k, v := range m {
		n += jsonStringBytes(k) + len(`:`) + valueBytes(v)
	}
	return n
}

// valueBytes returns the bytes of one attribute value, {"TYPE":...}.
func valueBytes(av types.AttributeValue) int {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return len(`{"S":}`) + jsonStringBytes(v.Value)
	case *types.AttributeValueMemberN:
		return len(`{"N":}`) + jsonStringBytes(v.Value)
	case *types.AttributeValueMemberBOOL:
		return len(`{"BOOL":}`) + len(strconv.FormatBool(v.Value))
	case *types.AttributeValueMemberNULL:
		return len(`{"NULL":}`) + len(strconv.FormatBool(v.Value))
	case *types.AttributeValueMemberB:
		return len(`{"B":}`) + blobBytes(v.Value)
	case *types.AttributeValueMemberM:
		return len(`{"M":}`) + mapBytes(v.Value)
	case *types.AttributeValueMemberL:
		n := len(`{"L":[]}`) + max(len(v.Value)-1, 0)
		for _, e := range v.Value {
			n += valueBytes(e)
		}
		return n
	case *types.AttributeValueMemberSS:
		return len(`{"SS":}`) + listBytes(v.Value, jsonStringBytes)
	case *types.AttributeValueMemberNS:
		return len(`{"NS":}`) + listBytes(v.Value, jsonStringBytes)
	case *types.AttributeValueMemberBS:
		return len(`{"BS":}`) + listBytes(v.Value, blobBytes)
	default:
		return maxBatchBytes // an unknown type: a call of its own
	}
}

// listBytes returns the bytes of [e,...] with each element sized by size.
func listBytes[T any](vs []T, size func(T) int) int {
	n := len(`[]`) + max(len(vs)-1, 0)
	for _, v := range vs {
		n += size(v)
	}
	return n
}

// blobBytes returns the bytes of a binary value: base64 in quotes, or null.
func blobBytes(b []byte) int {
	if b == nil {
		return len(`null`)
	}
	return base64.StdEncoding.EncodedLen(len(b)) + len(`""`)
}

// jsonStringBytes returns the bytes of s as a JSON string as the SDK escapes
// it: quotes; \" \\ \n \r \t for those five; \u00XX for the other control
// characters and DEL; \u2028 and \u2029 for those two; U+FFFD (3 bytes) for
// each byte that is not valid UTF-8; everything else as it is.
func jsonStringBytes(s string) int {
	n := len(`""`)
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			switch {
			case b == '"' || b == '\\' || b == '\n' || b == '\r' || b == '\t':
				n += 2
			case b < 0x20 || b == 0x7f:
				n += len(`\u0000`)
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			n += len("\uFFFD")
		case r == '\u2028' || r == '\u2029':
			n += len(`\u2028`)
		default:
			n += size
		}
		i += size
	}
	return n
}
