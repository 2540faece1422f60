package mobileapi

import (
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestScrubFreePages(t *testing.T) {
	t.Run("deleted bytes left in a free page are zeroed, and live data is untouched", func(t *testing.T) {
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(nil))
		put := func(k, v string) {
			t.Helper()
			err := o.update(func(tx *bolt.Tx) error { return tx.Bucket(bucketTasks).Put([]byte(k), []byte(v)) })
			if err != nil {
				t.Fatal(err)
			}
		}
		put("secret", `{"phone_masked":"135****9753"}`)
		put("kept", `{"phone_masked":"136****8642"}`)
		err := o.update(func(tx *bolt.Tx) error {
			if err := markScrub(tx); err != nil {
				return err
			}
			return tx.Bucket(bucketTasks).Delete([]byte("secret"))
		})
		if err != nil {
			t.Fatal(err)
		}
		// bbolt reuses a freed page no sooner than the next write: the
		// deleted value is still in the file.
		if !fileHas(t, path, "135****9753") {
			t.Fatal("premise: the deleted value should still be in a free page")
		}
		if err := o.scrubFreePages(); err != nil {
			t.Fatal(err)
		}
		if fileHas(t, path, "135****9753") {
			t.Error("the deleted value is still in the file after the scrub")
		}
		if !fileHas(t, path, "136****8642") {
			t.Error("the scrub wiped a live value")
		}
		if due, err := o.scrubDue(); err != nil || due {
			t.Errorf("scrubDue = %v, %v; want the flag cleared", due, err)
		}
	})
}
