package main

import (
	"context"
	"errors"
	"fmt"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/syncproto"
)

// revealStats counts a courier's number reveals.
type revealStats struct {
	// Tried reveals; OK ones answered with the task's own name and
	// number, Wrong ones with another; Failed ones lost on the link (the
	// server may still have audited them); Limited ones refused with 429;
	// Refused ones refused otherwise (the task should have been open and
	// the courier's).
	Tried, OK, Wrong, Failed, Limited, Refused int
}

func (s *revealStats) add(o revealStats) {
	s.Tried += o.Tried
	s.OK += o.OK
	s.Wrong += o.Wrong
	s.Failed += o.Failed
	s.Limited += o.Limited
	s.Refused += o.Refused
}

// answerTasks lets c work through the open tasks its handheld shows, right
// after a successful Sync: answer the ones it should, or record an outcome
// "offline" and wait for the dispatcher to cancel or reassign the task.
func (f *fleet) answerTasks(ctx context.Context, c *courier, offlineOK bool) error {
	tasks, err := c.outbox.CallbackTasks()
	if err != nil {
		return fmt.Errorf("courier %d: tasks: %w", c.idx, err)
	}
	for _, t := range tasks {
		st := f.act.b.task(t.TaskID)
		if st == nil {
			continue // created a moment ago and not filed yet: next time
		}
		c.seeTask(t, st)
		switch f.act.b.claim(st, c, offlineOK) {
		case actAnswer:
			err = f.answer(ctx, c, st, false)
		case actOffline:
			err = f.answer(ctx, c, st, true)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// seeTask checks, once per task, that the handheld shows the contact
// masked as the dispatcher's view does, and not in plain.
func (c *courier) seeTask(t *mobileapi.CallbackTask, st *simTask) {
	if c.seen[t.TaskID] {
		return
	}
	c.seen[t.TaskID] = true
	switch {
	case t.NameMasked == st.customer.Name || t.PhoneMasked == st.customer.Phone:
		c.surprises = append(c.surprises, fmt.Sprintf("courier %d: task %s shows the customer's contact unmasked", c.idx, t.TaskID))
	case t.NameMasked != st.masked.NameMasked || t.PhoneMasked != st.masked.PhoneMasked:
		c.surprises = append(c.surprises, fmt.Sprintf("courier %d: task %s shows the contact masked otherwise than the dispatcher's view", c.idx, t.TaskID))
	}
}

// answer calls the customer of st (revealing the number first, half of the
// time) and records the outcome. Offline, it then hands the task to the
// dispatcher and waits until the dispatcher has cancelled or reassigned it,
// before the outcome can be pushed.
func (f *fleet) answer(ctx context.Context, c *courier, st *simTask, offline bool) error {
	if c.ans.IntN(2) == 0 {
		c.reveal(ctx, st)
	}
	oc := &mobileapi.CallbackOutcome{TaskID: st.ID, RecordedAt: c.gen.tick()}
	switch n := c.ans.IntN(100); {
	case n < 55:
		oc.Result, oc.Resolved, oc.Satisfaction, oc.Note = syncproto.ResultReached, true, pick(c.ans, []int{5, 5, 5, 4, 4, 3, 2, 1}), "已解释原因，客户满意"
	case n < 65:
		oc.Result, oc.Satisfaction, oc.Note = syncproto.ResultReached, 1+c.ans.IntN(5), "客户仍有疑问，需再联系"
	case n < 88:
		oc.Result, oc.Note = syncproto.ResultNoAnswer, "无人接听"
	case n < 94:
		oc.Result = syncproto.ResultWrongNumber
	default:
		oc.Result = syncproto.ResultRefused
	}
	out, err := c.gen.queued(syncproto.KindCallbackOutcome, "")(c.outbox.RecordCallbackOutcome(oc))
	if err != nil {
		return fmt.Errorf("courier %d: %w", c.idx, err)
	}
	c.note(out)
	if out.OpID == "" {
		return nil // refused by the handheld: noted as a surprise
	}
	o := simOutcome{Courier: c, Result: oc.Result, Resolved: oc.Resolved, Satisfaction: oc.Satisfaction, RecordedAt: oc.RecordedAt}
	if offline {
		select {
		case f.act.b.offline <- st:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := await(ctx, st.acted); err != nil {
			return err
		}
	}
	f.act.b.addOutcome(st, o, offline)
	return nil
}

// reveal asks for the task's full number, as a courier about to call does,
// and compares it in memory with the one the dispatcher entered. The
// number is never printed or kept.
func (c *courier) reveal(ctx context.Context, st *simTask) {
	c.reveals.Tried++
	rc, err := c.outbox.RevealContact(ctx, st.ID)
	switch {
	case err == nil:
		if rc.Name == st.customer.Name && rc.Phone == st.customer.Phone {
			c.reveals.OK++
		} else {
			c.reveals.Wrong++
		}
	case errors.Is(err, mobileapi.ErrRateLimited):
		c.reveals.Limited++
	case errors.Is(err, mobileapi.ErrNotAssigned), errors.Is(err, mobileapi.ErrTaskClosed):
		c.reveals.Refused++
		c.surprises = append(c.surprises, fmt.Sprintf("courier %d: reveal for its open task %s refused: %v", c.idx, st.ID, err))
	default:
		c.reveals.Failed++ // the flaky link
	}
}

// catchUp is the courier's part of the phases after recording (see
// actors.go): it arrives at the recorded gate, waits for the actors'
// final round, then answers in two catch-up rounds.
func (f *fleet) catchUp(ctx context.Context, c *courier) error {
	a := f.act
	a.recorded.arrive()
	if err := await(ctx, a.final); err != nil {
		return err
	}
	err := f.answerRound(ctx, c, true)
	a.caughtUp.arrive()
	if err != nil {
		return err
	}
	if err := await(ctx, a.caughtUp.done); err != nil {
		return err
	}
	return f.answerRound(ctx, c, false)
}

// answerRound syncs until a Sync succeeds, answers the open tasks, and
// syncs until the outbox is empty.
func (f *fleet) answerRound(ctx context.Context, c *courier, offlineOK bool) error {
	pulled := false
	for try := 0; try < finalSyncTries && !pulled; try++ {
		pulled = c.sync(ctx) == nil
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if !pulled {
		c.surprises = append(c.surprises, fmt.Sprintf("courier %d: no Sync succeeded in %d tries after the actors' round", c.idx, finalSyncTries))
		return nil
	}
	if err := f.answerTasks(ctx, c, offlineOK); err != nil {
		return err
	}
	return f.syncUntilEmpty(ctx, c)
}
