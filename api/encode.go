package api

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/movieskit/movies"
)

// bufPool holds the buffers response bodies are built in.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer is the largest buffer kept for reuse; bigger ones (long
// pages) are left to the garbage collector.
const maxPooledBuffer = 64 << 10

// getBuffer returns an empty buffer from the pool.
func getBuffer() *bytes.Buffer {
	buf := bufPool.Get().(*bytes.Buffer) //nolint:errcheck // the pool's New makes only *bytes.Buffer
	buf.Reset()
	return buf
}

// putBuffer returns buf to the pool.
func putBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBuffer {
		bufPool.Put(buf)
	}
}

// writeMovie appends m to buf exactly as a json.Encoder with HTML escaping
// off encodes it, {"year":..,"title":..,"info":..}, without reflection: the
// title is escaped here and info is compacted and validated in one pass. An
// info that is not valid JSON is an error, and buf is then left partly written.
func writeMovie(buf *bytes.Buffer, m *movies.Movie) error {
	buf.WriteString(`{"year":`)
	buf.Write(strconv.AppendInt(buf.AvailableBuffer(), int64(m.Year), 10))
	buf.WriteString(`,"title":`)
	buf.Write(appendJSONString(buf.AvailableBuffer(), m.Title))
	if len(m.Info) > 0 {
		buf.WriteString(`,"info":`)
		if err := json.Compact(buf, m.Info); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

// hexDigits are the digits of \u escapes, lower case as encoding/json writes them.
const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string exactly as encoding/json does
// with HTML escaping off: quotes, backslashes and control characters are
// escaped, invalid UTF-8 becomes U+FFFD, and U+2028 and U+2029 are escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
