package main

import (
	"context"
	"net/http"
	"net/url"
	"sync"

	"github.com/courier-sync/courier-sync/client"
	"github.com/courier-sync/courier-sync/syncproto"
)

// inHand reads the receipts whose cash c still holds, oldest first.
func (d *dispatcher) inHand(ctx context.Context, c *courier) (nos []string, amounts []int64, err error) {
	entries, _, err := d.s.AllLedger(ctx, url.Values{"courier_id": {c.userID}, "status": {syncproto.CODCollected}})
	if err != nil {
		return nil, nil, d.faults.soft(err, "read the receipts courier %d holds", c.idx)
	}
	for _, e := range entries {
		if e.Kind != "" && e.Kind != "receipt" {
			continue
		}
		nos, amounts = append(nos, e.ReceiptNo), append(amounts, e.AmountCents)
	}
	return nos, amounts, nil
}

// handOver confirms the cash c brings to the station: the receipts it
// holds but the newest zero to two (still on the road). The second
// hand-over of the run is counted short (or over, for small sums), which
// the server must list as a discrepancy.
func (d *dispatcher) handOver(ctx context.Context, c *courier) error {
	nos, amounts, err := d.inHand(ctx, c)
	if err != nil || len(nos) == 0 {
		return err
	}
	n := len(nos) - d.r.IntN(min(3, len(nos)))
	nos, amounts = nos[:n], amounts[:n]
	total := sum(amounts)
	counted := total
	short := d.stats.Discrepancy == nil && d.stats.Handovers >= 1
	if short {
		if counted -= 1000; counted < 0 {
			counted = total + 500
		}
	}
	ans, err := d.s.HandOver(ctx, &syncproto.HandoverRequest{CourierID: c.userID, ReceiptNos: nos, CountedCents: &counted})
	if err != nil {
		return d.faults.soft(err, "hand-over of %d receipts of courier %d", len(nos), c.idx)
	}
	d.handedOver(c, nos, amounts, *ans, counted)
	if short {
		d.stats.Discrepancy = &handoverDiscrepancy{Courier: c, HandoverID: ans.HandoverID, Cents: counted - total}
	}
	return nil
}

// handedOver records a confirmed hand-over and checks its answer.
func (d *dispatcher) handedOver(c *courier, nos []string, amounts []int64, ans syncproto.Handover, counted int64) {
	total := sum(amounts)
	if ans.HandoverID == "" || ans.TotalCents != total || ans.DiscrepancyCents != counted-total {
		d.faults.add("hand-over %q of courier %d: total %d and discrepancy %d, want %d and %d",
			ans.HandoverID, c.idx, ans.TotalCents, ans.DiscrepancyCents, total, counted-total)
	}
	d.a.b.handedOver(nos, amounts)
	d.stats.Handovers++
	d.stats.HandedReceipts += len(nos)
	d.stats.HandedCents += total
}

// concurrentHandOver sends one hand-over twice at the same moment, as two
// dispatchers at two counters might: one must be created, the other
// refused with 409, and the receipts counted once.
func (d *dispatcher) concurrentHandOver(ctx context.Context) error {
	for _, i := range d.r.Perm(len(d.f.couriers)) {
		c := d.f.couriers[i]
		nos, amounts, err := d.inHand(ctx, c)
		if err != nil {
			return err
		}
		if len(nos) == 0 {
			continue
		}
		n := min(3, len(nos))
		nos, amounts = nos[:n], amounts[:n]
		counted := sum(amounts)
		req := &syncproto.HandoverRequest{CourierID: c.userID, ReceiptNos: nos, CountedCents: &counted}
		var (
			wg   sync.WaitGroup
			errs [2]error
			ans  [2]syncproto.Handover
		)
		start := make(chan struct{})
		for k := range 2 {
			wg.Go(func() {
				<-start
				var a *syncproto.Handover
				if a, errs[k] = d.s.HandOver(ctx, req); a != nil {
					ans[k] = *a
				}
			})
		}
		close(start)
		wg.Wait()
		d.stats.PairTried = true
		for k, err := range errs {
			switch {
			case err == nil:
				d.stats.PairCreated++
				d.handedOver(c, nos, amounts, ans[k], counted)
			case client.StatusOf(err) == http.StatusConflict:
				d.stats.PairRefused++
			default:
				if err := d.faults.soft(err, "concurrent hand-over of courier %d", c.idx); err != nil {
					return err
				}
			}
		}
		if d.stats.PairCreated != 1 || d.stats.PairRefused != 1 {
			d.faults.add("concurrent hand-over of the same %d receipts: %d created, %d refused with 409; want 1 and 1",
				len(nos), d.stats.PairCreated, d.stats.PairRefused)
		}
		return nil
	}
	return nil
}

func sum(xs []int64) int64 {
	var t int64
	for _, x := range xs {
		t += x
	}
	return t
}
