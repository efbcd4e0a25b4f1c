package api

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/internal/jsontext"
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
	buf.Write(jsontext.AppendString(buf.AvailableBuffer(), m.Title, false))
	if len(m.Info) > 0 {
		buf.WriteString(`,"info":`)
		if err := json.Compact(buf, m.Info); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}
