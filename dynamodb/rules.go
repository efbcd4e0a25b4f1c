package dynamodb

import (
	"github.com/movieskit/movies"
)

// DynamoDB's rules for the items this store writes that the domain
// (movies.Movie.Validate) does not already apply. The number rules are in
// number.go, the item size in size.go. docs/RELIABILITY.md ("DynamoDB write
// limits") lists every documented rule, its source and where it is enforced.

// maxAttrNameBytes is the longest attribute name DynamoDB accepts, in UTF-8
// bytes: names are "at least one character long and less than 64 KB". It
// applies to the keys of every map in an item, at any depth.
const maxAttrNameBytes = 64*1024 - 1

// checkAttrName reports whether DynamoDB accepts name as the name of an
// attribute inside info. The error is EINVALID.
func checkAttrName(name string) error {
	switch {
	case name == "":
		return movies.Errorf(movies.EINVALID, "info has an empty key; DynamoDB attribute names must not be empty")
	case len(name) > maxAttrNameBytes:
		return movies.Errorf(movies.EINVALID, "info has a key of %d bytes (%q); DynamoDB attribute names are at most %d bytes",
			len(name), movies.Shorten(name, maxQuoted), maxAttrNameBytes)
	}
	return nil
}
