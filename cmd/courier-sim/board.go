package main

import (
	"sync"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// taskPlan is what the dispatcher means to do with a callback task, decided
// when it creates the task. The couriers follow it, so that the history of
// every task, and with it its final state, is known.
type taskPlan int

const (
	// planAnswer: the courier answers it, up to maxAttempts calls or
	// until resolved.
	planAnswer taskPlan = iota
	// planCancelOffline: the courier records an outcome while "offline",
	// the dispatcher cancels the task meanwhile; the outcome arrives
	// flagged review_needed.
	planCancelOffline
	// planReassignOffline: as planCancelOffline, but the task goes to
	// another courier, who answers it.
	planReassignOffline
	// planCancelDirect: cancelled right after creation; nobody answers.
	planCancelDirect
	// planReassignDirect: reassigned right after creation; the new
	// courier answers it.
	planReassignDirect
)

// planCycle is the order plans are handed out in: the special ones first,
// so that even a small fleet sees each of them.
var planCycle = []taskPlan{planCancelOffline, planReassignOffline, planAnswer, planCancelDirect, planReassignDirect, planAnswer, planAnswer}

// maxAttempts bounds a courier's calls for one task.
const maxAttempts = 3

func (p taskPlan) offline() bool   { return p == planCancelOffline || p == planReassignOffline }
func (p taskPlan) reassigns() bool { return p == planReassignOffline || p == planReassignDirect }

func (p taskPlan) String() string {
	return [...]string{"answer", "cancel-offline", "reassign-offline", "cancel", "reassign"}[p]
}

// offlineState tracks a task planned to change while its courier is
// offline.
type offlineState int

const (
	offlineNone     offlineState = iota // not an offline plan
	offlineWaiting                      // the courier has not seen it yet
	offlineAnswered                     // outcome recorded, waiting for the dispatcher
	offlineActed                        // the dispatcher cancelled or reassigned it
)

// simOutcome is an outcome a courier recorded for a task.
type simOutcome struct {
	Courier      *courier
	Result       string
	Resolved     bool
	Satisfaction int
	RecordedAt   string
	// Flagged: the server must keep it flagged review_needed (the task was
	// cancelled or taken away before it arrived).
	Flagged bool
}

// wakeEvent is a change that must wake a courier's handheld: a task created
// for it, reassigned to it or away from it. At is taken before the request,
// so any wake-up the fake receives for the courier after At may be its.
type wakeEvent struct {
	Courier *courier
	At      time.Time
	What    string
}

// simTask is a callback task as the simulator knows it. The fields above
// the line are set before the task is filed and never change.
type simTask struct {
	ID          string
	Waybill     string
	ComplaintID string
	Plan        taskPlan
	Owner       *courier
	customer    syncproto.Customer // plain: compared in memory, never printed
	masked      syncproto.Contact
	acted       chan struct{} // closed when the dispatcher acted on an offline plan

	// Guarded by board.mu.
	target     *courier
	reassigned bool
	cancelled  bool
	version    int64
	offline    offlineState
	outcomes   []simOutcome
	wakes      []wakeEvent
}

// assignee returns the courier the task must be assigned to now.
func (t *simTask) assignee() *courier {
	if t.reassigned {
		return t.target
	}
	return t.Owner
}

// answerer returns the courier who answers the task in the normal way, or
// nil.
func (t *simTask) answerer() *courier {
	switch {
	case t.Plan == planAnswer:
		return t.Owner
	case t.Plan.reassigns() && t.reassigned:
		return t.target
	}
	return nil
}

// wantStatus is the status the task's history implies: cancelled when the
// dispatcher cancelled it, done when an outcome that counted resolved it,
// else open.
func (t *simTask) wantStatus() string {
	if t.cancelled {
		return syncproto.TaskCancelled
	}
	for _, o := range t.outcomes {
		if o.Resolved && !o.Flagged {
			return syncproto.TaskDone
		}
	}
	return syncproto.TaskOpen
}

// flagged reports whether an outcome of the task must be flagged.
func (t *simTask) flagged() bool {
	for _, o := range t.outcomes {
		if o.Flagged {
			return true
		}
	}
	return false
}

// board is what the actors and the couriers share.
type board struct {
	mu    sync.Mutex
	tasks map[string]*simTask
	order []*simTask
	// offline carries tasks whose courier recorded an outcome "offline"
	// to the dispatcher.
	offline chan *simTask
	// custody is where the actors moved COD receipts: receipt no →
	// custody status (handed_over, settled); amounts their amounts.
	custody map[string]string
	amounts map[string]int64
	// awaiting lists receipts handed over and not yet settled, oldest
	// first: the supervisor's queue.
	awaiting []string
}

func newBoard() *board {
	return &board{tasks: map[string]*simTask{}, offline: make(chan *simTask), custody: map[string]string{}, amounts: map[string]int64{}}
}

// file makes a task known to the couriers.
func (b *board) file(t *simTask) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tasks[t.ID] = t
	b.order = append(b.order, t)
}

// task returns a filed task, or nil.
func (b *board) task(id string) *simTask {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tasks[id]
}

// answerAct is what a courier does with a task it sees open.
type answerAct int

const (
	actNothing answerAct = iota
	actAnswer
	actOffline
)

// claim decides what c does with task t, seen open on its handheld; an
// offline answer is only allowed while the dispatcher serves them.
func (b *board) claim(t *simTask, c *courier, offlineOK bool) answerAct {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.Owner == c && t.offline == offlineWaiting {
		if !offlineOK {
			return actNothing
		}
		t.offline = offlineAnswered
		return actOffline
	}
	if t.answerer() != c || t.cancelled {
		return actNothing
	}
	n := 0
	for _, o := range t.outcomes {
		if o.Courier == c && !o.Flagged {
			if o.Resolved {
				return actNothing
			}
			n++
		}
	}
	if n >= maxAttempts {
		return actNothing
	}
	return actAnswer
}

// addOutcome records an outcome; an offline one is flagged when the
// dispatcher did cancel or reassign the task before it could arrive.
func (b *board) addOutcome(t *simTask, o simOutcome, offline bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if offline {
		o.Flagged = t.cancelled || t.reassigned
	}
	t.outcomes = append(t.outcomes, o)
}

// handedOver records receipts handed over, with their amounts; they wait
// for settlement.
func (b *board) handedOver(receipts []string, amounts []int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, r := range receipts {
		b.custody[r] = syncproto.CODHandedOver
		b.amounts[r] = amounts[i]
	}
	b.awaiting = append(b.awaiting, receipts...)
}

// settled records receipts settled.
func (b *board) settled(receipts []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range receipts {
		b.custody[r] = syncproto.CODSettled
	}
}

// total returns the total of receipts handed over.
func (b *board) total(receipts []string) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	var t int64
	for _, r := range receipts {
		t += b.amounts[r]
	}
	return t
}

// requeue puts receipts back in the settlement queue.
func (b *board) requeue(receipts []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.awaiting = append(receipts, b.awaiting...)
}

// takeAwaiting removes and returns up to n receipts awaiting settlement.
func (b *board) takeAwaiting(n int) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	n = min(n, len(b.awaiting))
	out := append([]string(nil), b.awaiting[:n]...)
	b.awaiting = b.awaiting[n:]
	return out
}

// awaitingCount returns the number of receipts awaiting settlement.
func (b *board) awaitingCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.awaiting)
}
