package mobileapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Keys of the feed bucket.
var (
	keyCursor = []byte("cursor")
	keyConfig = []byte("config")
)

// defaultPullLimit is the page size asked of the pull feed.
const defaultPullLimit = syncproto.DefaultPullSize

// maxFeedRestarts bounds cursor_expired restarts within one Sync.
const maxFeedRestarts = 2

// feedPage is one decoded pull page, ready to be committed.
type feedPage struct {
	tasks      []*CallbackTask
	complaints []*complaintRecord // closed ones already stripped (decodeComplaint)
	balance    *codBalanceRecord  // the page's newest cod_balance change
	config     []byte             // encoded syncproto.Config of the page's last config change
	vehicles   []*syncproto.VehicleStatus
	cursor     string
}

// pull reads the change feed from the stored cursor to its end, committing
// each page's changes together with the cursor that follows them. A
// cursor_expired answer drops the feed state and starts over.
func (o *Outbox) pull(ctx context.Context) error {
	cursor, err := o.cursor()
	if err != nil {
		return err
	}
	restarts := 0
	for {
		if ctx.Err() != nil {
			return o.ctxErr(ctx)
		}
		q := url.Values{"limit": {strconv.Itoa(o.pullLimit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		resp, err := o.authed(ctx, "pull", http.MethodGet, "/v1/sync/pull?"+q.Encode(), nil)
		if err != nil {
			return err
		}
		if resp.status == http.StatusConflict && resp.apiError().Code == syncproto.CodeCursorExpired {
			if cursor == "" || restarts >= maxFeedRestarts {
				return refused("pull", resp)
			}
			restarts++
			if err := o.dropFeed(); err != nil {
				return err
			}
			cursor = ""
			continue
		}
		if resp.status != http.StatusOK {
			return refused("pull", resp)
		}
		var pr syncproto.PullResponse
		if err := resp.decode("pull", &pr); err != nil {
			return err
		}
		page, err := decodePage(&pr)
		if err != nil {
			return err
		}
		if err := o.storePage(page); err != nil {
			return err
		}
		if err := o.checkpoint("pull-stored"); err != nil {
			return err
		}
		if !pr.HasMore {
			return nil
		}
		if pr.Cursor == cursor && len(pr.Changes) == 0 {
			return fmt.Errorf("%w: pull has_more without progress", ErrProtocol)
		}
		cursor = pr.Cursor
	}
}

// decodePage checks and converts a page's changes. Unknown change types are
// skipped (a later protocol may add some); a known type with bad data is an
// error, so no change is silently lost.
func decodePage(pr *syncproto.PullResponse) (*feedPage, error) {
	page := &feedPage{cursor: pr.Cursor}
	for i := range pr.Changes {
		ch := &pr.Changes[i]
		switch ch.Type {
		case syncproto.ChangeConfig:
			var c syncproto.Config
			if err := json.Unmarshal(ch.Data, &c); err != nil {
				return nil, fmt.Errorf("%w: config change %q is malformed", ErrProtocol, ch.ID)
			}
			enc, err := json.Marshal(&c)
			if err != nil {
				return nil, err
			}
			page.config = enc
		case syncproto.ChangeCallbackTask:
			var t syncproto.CallbackTask
			if err := json.Unmarshal(ch.Data, &t); err != nil || t.TaskID == "" {
				return nil, fmt.Errorf("%w: callback_task change %q is malformed", ErrProtocol, ch.ID)
			}
			task := &CallbackTask{
				TaskID: t.TaskID, Waybill: t.Waybill, Reason: t.Reason, Status: t.Status,
				NameMasked: t.Contact.NameMasked, PhoneMasked: t.Contact.PhoneMasked, Version: t.Version,
				RemovedReason: t.RemovedReason,
			}
			if !t.DueBy.IsZero() {
				task.DueBy = t.DueBy.Format(time.RFC3339)
			}
			page.tasks = append(page.tasks, task)
		case syncproto.ChangeCODBalance:
			b, err := decodeBalance(ch)
			if err != nil {
				return nil, err
			}
			if b.newer(page.balance) {
				page.balance = b
			}
		case syncproto.ChangeComplaint:
			c, err := decodeComplaint(ch)
			if err != nil {
				return nil, err
			}
			page.complaints = append(page.complaints, c)
		case syncproto.ChangeVehicleStatus:
			v, err := decodeVehicleStatus(ch)
			if err != nil {
				return nil, err
			}
			page.vehicles = append(page.vehicles, v)
		}
	}
	return page, nil
}

// storePage commits a page's changes and its cursor in one transaction. A
// task replaces the stored one unless that one has a higher version. A task
// that is no longer open (done, cancelled, reassigned away; or any status
// this library does not know) is stored without its masked contact and
// reason, and the file's free pages are marked for scrubbing, so that the
// old copies of that contact are overwritten too (see scrubFreePages).
// Complaints are kept the same way (a closed one loses its text and
// customer); the COD balance replaces the stored one unless that one is
// newer.
func (o *Outbox) storePage(p *feedPage) error {
	encs := make([][]byte, len(p.tasks))
	for i, t := range p.tasks {
		if t.Status != TaskOpen {
			t = t.closed()
			p.tasks[i] = t
		}
		enc, err := json.Marshal(t)
		if err != nil {
			return err
		}
		encs[i] = enc
	}
	return o.update(func(tx *bolt.Tx) error {
		tasks, feed := tx.Bucket(bucketTasks), tx.Bucket(bucketFeed)
		erased := false
		for i, t := range p.tasks {
			if old := tasks.Get([]byte(t.TaskID)); old != nil {
				var prev CallbackTask
				known := json.Unmarshal(old, &prev) == nil
				if known && prev.Version > t.Version {
					continue
				}
				// The old view's contact and reason go: its copies in freed pages too.
				erased = erased || (t.Status != TaskOpen && (!known || prev.Reason != "" || prev.NameMasked != "" || prev.PhoneMasked != ""))
			}
			if err := tasks.Put([]byte(t.TaskID), encs[i]); err != nil {
				return err
			}
		}
		complaintErased, err := putComplaints(tx, p.complaints)
		if err != nil {
			return err
		}
		if erased || complaintErased {
			if err := markScrub(tx); err != nil {
				return err
			}
		}
		if p.config != nil {
			if err := feed.Put(keyConfig, p.config); err != nil {
				return err
			}
		}
		if p.balance != nil {
			if err := putBalance(tx, p.balance); err != nil {
				return err
			}
		}
		if err := putVehicleStatuses(tx, p.vehicles); err != nil {
			return err
		}
		return feed.Put(keyCursor, []byte(p.cursor))
	})
}

// dropFeed forgets the cursor and everything pulled (tasks, complaints,
// config, COD balance, vehicle statuses), in one transaction, and marks the free pages for
// scrubbing: the dropped tasks' contacts and complaints' customers.
func (o *Outbox) dropFeed() error {
	return o.update(func(tx *bolt.Tx) error {
		if err := markScrub(tx); err != nil {
			return err
		}
		for _, name := range [][]byte{bucketTasks, bucketComplaints} {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		if err := dropVehicleStatuses(tx); err != nil {
			return err
		}
		feed := tx.Bucket(bucketFeed)
		for _, k := range [][]byte{keyConfig, keyCODBalance, keyCursor} {
			if err := feed.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// cursor returns the stored pull cursor, empty for the beginning.
func (o *Outbox) cursor() (string, error) {
	var c string
	err := o.view(func(tx *bolt.Tx) error {
		c = string(tx.Bucket(bucketFeed).Get(keyCursor))
		return nil
	})
	return c, err
}
