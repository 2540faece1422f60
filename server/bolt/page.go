package bolt

import (
	"strconv"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// maxScan bounds how many entries one filtered page examines, so a rare
// filter value cannot make one request walk a whole bucket.
const maxScan = 20_000

// parseCursor reads a list cursor: the decimal position of the last key a
// page examined ("" is the beginning).
func parseCursor(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, server.Invalid("cursor: malformed")
	}
	return n, nil
}

// scanPage walks a bucket of 8-byte sequence keys after position `after`,
// calling keep for each entry until it has kept limit entries or examined
// maxScan. It returns the cursor of the next page and whether more may
// follow (a filtered page can be short, or even empty, and still have more).
func scanPage(b *bbolt.Bucket, after uint64, limit int, keep func(k, v []byte) (bool, error)) (string, bool, error) {
	last, kept, scanned := after, 0, 0
	c := b.Cursor()
	for k, v := c.Seek(u64(after + 1)); k != nil; k, v = c.Next() {
		if kept == limit || scanned == maxScan {
			return strconv.FormatUint(last, 10), true, nil
		}
		scanned++
		last = beUint(k)
		ok, err := keep(k, v)
		if err != nil {
			return "", false, err
		}
		if ok {
			kept++
		}
	}
	return strconv.FormatUint(last, 10), false, nil
}

func beUint(k []byte) uint64 {
	var n uint64
	for _, b := range k {
		n = n<<8 | uint64(b)
	}
	return n
}
