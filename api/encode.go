package api

import (
	"bytes"
	"encoding/json"

	"github.com/movieskit/movies"
)

// writeMovie appends m to buf as movies.AppendJSON encodes it,
// {"year":..,"title":..,"info":..}, except that info is compacted straight
// into buf rather than through the encoder's own buffer: a page of large
// movies is then built in one buffer, each info copied once. An info that is
// not valid JSON is an error, and buf is then left partly written.
func writeMovie(buf *bytes.Buffer, m *movies.Movie) error {
	if err := movies.AppendJSON(buf, &movies.Movie{Year: m.Year, Title: m.Title}); err != nil {
		return err
	}
	if len(m.Info) == 0 {
		return nil
	}
	buf.Truncate(buf.Len() - len(`}`))
	buf.WriteString(`,"info":`)
	if err := json.Compact(buf, m.Info); err != nil {
		return err
	}
	buf.WriteByte('}')
	return nil
}
