package mobileapi

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Task statuses, as the pull feed sends them.
const (
	// TaskOpen is a task still to be called: the only status whose masked
	// contact is kept on the device.
	TaskOpen = syncproto.TaskOpen
	// TaskDone is a task the dispatcher or an outcome closed.
	TaskDone = syncproto.TaskDone
	// TaskCancelled is a task cancelled, or reassigned to another courier
	// (RemovedReason then says RemovedReassigned).
	TaskCancelled = syncproto.TaskCancelled
	// RemovedReassigned is the RemovedReason of a task that was given to
	// another courier.
	RemovedReassigned = syncproto.RemovedReassigned
)

// CallbackTask is a callback the dispatcher assigned to this courier, as
// last pulled. Status is TaskOpen, TaskDone or TaskCancelled; DueBy is RFC
// 3339; the latest Version wins.
//
// Only an open task carries its contact (masked: "张*", "138****5678") and
// its reason. Once a task is done or cancelled, the device keeps just its
// id, waybill, status, due time, version and RemovedReason: the masked
// contact and the reason text are erased from the file in the transaction
// that stores the change (see the package doc, Privacy).
type CallbackTask struct {
	TaskID      string `json:"task_id"`
	Waybill     string `json:"waybill"`
	Reason      string `json:"reason,omitempty"`
	Status      string `json:"status"`
	DueBy       string `json:"due_by"`
	NameMasked  string `json:"name_masked,omitempty"`
	PhoneMasked string `json:"phone_masked,omitempty"`
	Version     int64  `json:"version"`
	// RemovedReason says why a cancelled task left this courier's list:
	// RemovedReassigned, or empty.
	RemovedReason string `json:"removed_reason,omitempty"`
}

// closed returns what the device keeps of a task that is no longer open:
// no contact, no reason text.
func (t *CallbackTask) closed() *CallbackTask {
	return &CallbackTask{TaskID: t.TaskID, Waybill: t.Waybill, Status: t.Status, DueBy: t.DueBy,
		Version: t.Version, RemovedReason: t.RemovedReason}
}

// TaskList is a list of callback tasks for callers that cannot take a Go
// slice (gomobile): Len and Get.
type TaskList struct {
	tasks []*CallbackTask
}

// Len returns the number of tasks in the list.
func (l *TaskList) Len() int { return len(l.tasks) }

// Get returns task i (0 ≤ i < Len), or nil when i is out of range.
func (l *TaskList) Get(i int) *CallbackTask {
	if i < 0 || i >= len(l.tasks) {
		return nil
	}
	return l.tasks[i]
}

// OpenTasks returns the task inbox: the open callback tasks, soonest due
// first. It is CallbackTasks as a TaskList, for gomobile.
func (o *Outbox) OpenTasks() (*TaskList, error) {
	tasks, err := o.CallbackTasks()
	if err != nil {
		return nil, err
	}
	return &TaskList{tasks: tasks}, nil
}

// CallbackTasks returns the open callback tasks pulled so far, soonest due
// first (tasks without a due time last, ties by task id), each in its
// latest version. Done and cancelled tasks are left out; see
// CallbackTasksByStatus.
func (o *Outbox) CallbackTasks() ([]*CallbackTask, error) {
	return o.CallbackTasksByStatus(TaskOpen)
}

// CallbackTasksByStatus returns the pulled tasks with the given status
// (TaskOpen, TaskDone, TaskCancelled), or every task when status is empty,
// in the order of CallbackTasks.
func (o *Outbox) CallbackTasksByStatus(status string) ([]*CallbackTask, error) {
	var out []*CallbackTask
	err := o.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTasks).ForEach(func(_, v []byte) error {
			t := new(CallbackTask)
			if err := json.Unmarshal(v, t); err != nil {
				return err
			}
			if status == "" || t.Status == status {
				out = append(out, t)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	sortByDue(out)
	return out, nil
}

// Task returns one pulled task, whatever its status, or ErrUnknownTask.
func (o *Outbox) Task(taskID string) (*CallbackTask, error) {
	var t *CallbackTask
	err := o.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketTasks).Get([]byte(taskID))
		if v == nil {
			return ErrUnknownTask
		}
		t = new(CallbackTask)
		return json.Unmarshal(v, t)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// sortByDue orders tasks soonest due first; a task without a (readable)
// due time goes last; ties go by task id.
func sortByDue(tasks []*CallbackTask) {
	due := make(map[*CallbackTask]time.Time, len(tasks))
	for _, t := range tasks {
		if d, err := time.Parse(time.RFC3339, t.DueBy); err == nil {
			due[t] = d
		}
	}
	slices.SortStableFunc(tasks, func(a, b *CallbackTask) int {
		da, aok := due[a]
		db, bok := due[b]
		switch {
		case aok && !bok:
			return -1
		case !aok && bok:
			return 1
		case aok && !da.Equal(db):
			return da.Compare(db)
		}
		return strings.Compare(a.TaskID, b.TaskID)
	})
}
