package csvfile

import (
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"os"
)

const cursorVersion = 1

// tailLen is how many bytes before a cursor's offset its checksum covers.
const tailLen = 64

// cursor is the resume point of a sync, serialized as JSON: every file
// whose name sorts before File is done, and File is done up to Offset.
type cursor struct {
	V      int    `json:"v"`
	File   string `json:"file"`
	Offset int64  `json:"offset"`
	// Size and ModTime (unix nanoseconds) are the file's when Offset was
	// recorded; an unchanged pair means nothing was appended.
	Size    int64 `json:"size"`
	ModTime int64 `json:"mtime"`
	// Tail is the CRC-32 of the up to 64 bytes before Offset: a file
	// whose bytes there differ was replaced and is read from its start.
	Tail uint32 `json:"tail"`
}

var errCursor = errors.New("cursor is not one this connector wrote")

func decodeCursor(s string) (cursor, error) {
	var c cursor
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.V != cursorVersion || c.File == "" || c.Offset < 0 {
		return cursor{}, errCursor
	}
	return c, nil
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// tail returns the checksum of the up to tailLen bytes of f before off.
func tail(f io.ReaderAt, off int64) (uint32, error) {
	from := max(off-tailLen, 0)
	buf := make([]byte, off-from)
	if _, err := f.ReadAt(buf, from); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	return crc32.ChecksumIEEE(buf), nil
}

// resumeAt decides where to read a file the cursor points into: at the
// cursor's offset when the file is the one the cursor saw (possibly
// grown), else at 0.
func resumeAt(f *os.File, fi os.FileInfo, c cursor) (int64, error) {
	if fi.Size() == c.Size && fi.ModTime().UnixNano() == c.ModTime {
		return c.Offset, nil
	}
	if fi.Size() < c.Offset {
		return 0, nil
	}
	sum, err := tail(f, c.Offset)
	if err != nil || sum != c.Tail {
		return 0, err
	}
	return c.Offset, nil
}
