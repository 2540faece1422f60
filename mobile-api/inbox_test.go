package mobileapi

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func taskIDs(tasks []*CallbackTask) string {
	var ids []string
	for _, t := range tasks {
		ids = append(ids, t.TaskID)
	}
	return strings.Join(ids, ",")
}

func TestInbox(t *testing.T) {
	t.Run("the inbox lists open tasks soonest due first, whatever offset their due times carry", func(t *testing.T) {
		f := newFakeServer(t)
		f.addTaskView(taskView("b", 1, TaskOpen, "2026-12-02T09:00:00+08:00", "张*", "138****0001")) // 12-02 01:00Z
		f.addTaskView(taskView("a", 1, TaskOpen, "2026-12-01T18:00:00Z", "李*", "138****0002"))
		f.addTaskView(taskView("c", 1, TaskOpen, "2026-12-01T20:00:00+08:00", "王*", "138****0003")) // 12-01 12:00Z
		f.addTaskView(taskView("f", 1, TaskOpen, "2026-12-01T18:00:00Z", "赵*", "138****0004"))
		f.addTaskView(taskView("d", 1, TaskOpen, "2026-11-30T08:00:00Z", "钱*", "138****0005"))
		f.addTaskView(taskView("d", 2, TaskDone, "2026-11-30T08:00:00Z", "钱*", "138****0005"))
		gone := taskView("e", 3, TaskCancelled, "2026-11-29T08:00:00Z", "孙*", "138****0006")
		gone.RemovedReason = RemovedReassigned
		f.addTaskView(gone)
		o, _ := openTest(t, tempDB(t), testOptions(f))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}

		tasks, err := o.CallbackTasks()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := taskIDs(tasks), "c,a,f,b"; got != want {
			t.Errorf("CallbackTasks = %s, want %s (open only, by due time, ties by id)", got, want)
		}
		if tk := tasks[0]; tk.NameMasked != "王*" || tk.PhoneMasked != "138****0003" || tk.DueBy != "2026-12-01T20:00:00+08:00" || tk.Reason == "" {
			t.Errorf("first task = %+v, want its masked contact, reason and due time", tk)
		}

		list, err := o.OpenTasks()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := 0; i < list.Len(); i++ {
			got = append(got, list.Get(i).TaskID)
		}
		if strings.Join(got, ",") != "c,a,f,b" || list.Get(-1) != nil || list.Get(list.Len()) != nil {
			t.Errorf("OpenTasks = %v (out of range: %v, %v), want c,a,f,b and nil out of range", got, list.Get(-1), list.Get(list.Len()))
		}

		if all, _ := o.CallbackTasksByStatus(""); taskIDs(all) != "e,d,c,a,f,b" {
			t.Errorf("every task = %s, want e,d,c,a,f,b", taskIDs(all))
		}
		if done, _ := o.CallbackTasksByStatus(TaskDone); taskIDs(done) != "d" {
			t.Errorf("done tasks = %s, want d", taskIDs(done))
		}
		cancelled, _ := o.CallbackTasksByStatus(TaskCancelled)
		if len(cancelled) != 1 || cancelled[0].TaskID != "e" || cancelled[0].RemovedReason != RemovedReassigned {
			t.Errorf("cancelled tasks = %+v, want e, reassigned", cancelled)
		}

		tk, err := o.Task("d")
		if err != nil || tk.Status != TaskDone || tk.Version != 2 || tk.Waybill != "WB-d" {
			t.Errorf("Task(d) = %+v, %v; want the done view", tk, err)
		}
		if _, err := o.Task("nope"); !errors.Is(err, ErrUnknownTask) {
			t.Errorf("Task(nope) = %v, want ErrUnknownTask", err)
		}
	})

	t.Run("an outcome recorded offline is pushed even though the task was reassigned meanwhile", func(t *testing.T) {
		f := newFakeServer(t)
		f.addTaskView(taskView("task-1", 1, TaskOpen, "2026-12-01T18:00:00Z", "张*", "138****5678"))
		o, _ := openTest(t, tempDB(t), testOptions(f))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		// Offline: the courier calls and records the outcome; meanwhile
		// the dispatcher gives the task to someone else.
		id, err := o.RecordCallbackOutcome(sampleCallback())
		if err != nil {
			t.Fatal(err)
		}
		gone := taskView("task-1", 2, TaskCancelled, "2026-12-01T18:00:00Z", "张*", "138****5678")
		gone.RemovedReason = RemovedReassigned
		f.addTaskView(gone)
		// The removal arrives before the outcome is pushed.
		if err := o.pull(t.Context()); err != nil {
			t.Fatal(err)
		}
		if open, _ := o.CallbackTasks(); len(open) != 0 {
			t.Errorf("open tasks = %s, want none after the reassignment", taskIDs(open))
		}
		if s := mustStatus(t, o); s.Pending != 1 {
			t.Fatalf("pending ops = %d, want the outcome still queued", s.Pending)
		}
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		f.checkExactlyOnce(t, []string{id})
		if s := mustStatus(t, o); s.Pending != 0 || s.Rejected != 0 {
			t.Errorf("status = %+v, want the outcome delivered", s)
		}
	})
}

// addOpenTasks adds n open tasks with masked phones 139****0000, 139****0001,
// …: a realistic inbox, in which deleted bytes can sit in free pages.
func addOpenTasks(f *fakeServer, n int) {
	for i := range n {
		f.addTaskView(taskView(fmt.Sprintf("keep%02d", i), 1, TaskOpen, "2026-12-01T18:00:00Z", "李*", fmt.Sprintf("139****%04d", i)))
	}
}

func TestContactRemoval(t *testing.T) {
	const (
		keepPhone = "139****0007"
		gonePhone = "137****2468"
		goneName  = "欧阳*"
		inbox     = 20 // open tasks besides the one that closes
	)
	cases := []struct {
		name, status, removed string
	}{
		{"a task closed as done", TaskDone, ""},
		{"a cancelled task", TaskCancelled, ""},
		{"a task reassigned to another courier", TaskCancelled, RemovedReassigned},
	}
	for _, tc := range cases {
		t.Run(tc.name+" leaves no byte of its masked contact or reason in the file", func(t *testing.T) {
			f := newFakeServer(t)
			addOpenTasks(f, inbox)
			open := taskView("gone", 1, TaskOpen, "2026-12-01T12:00:00Z", goneName, gonePhone)
			open.Reason = "customer-says-parcel-late"
			f.addTaskView(open)
			path := tempDB(t)
			o, _ := openTest(t, path, testOptions(f))
			if err := o.Sync(t.Context()); err != nil {
				t.Fatal(err)
			}
			if !fileHas(t, path, gonePhone) || !fileHas(t, path, goneName) {
				t.Fatal("premise: the open task's masked contact should be in the file")
			}

			// The removal view still carries the contact, as the server's does.
			closed := taskView("gone", 2, tc.status, "2026-12-01T12:00:00Z", goneName, gonePhone)
			closed.Reason = open.Reason
			closed.RemovedReason = tc.removed
			f.addTaskView(closed)
			if err := o.Sync(t.Context()); err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{gonePhone, goneName, open.Reason} {
				if fileHas(t, path, s) {
					t.Errorf("the file still holds %q of the %s task", s, tc.status)
				}
			}
			if !fileHas(t, path, keepPhone) {
				t.Errorf("the open task's masked phone is gone too")
			}
			tk, err := o.Task("gone")
			if err != nil {
				t.Fatal(err)
			}
			want := CallbackTask{TaskID: "gone", Waybill: "WB-gone", Status: tc.status, DueBy: "2026-12-01T12:00:00Z", Version: 2, RemovedReason: tc.removed}
			if *tk != want {
				t.Errorf("closed task = %+v, want %+v", *tk, want)
			}
			if tasks := mustTasks(t, o); len(tasks) != inbox || tasks[0].TaskID != "keep00" {
				t.Errorf("inbox = %s, want the %d other tasks", taskIDs(tasks), inbox)
			}
		})
	}

	t.Run("a task reopened for this courier with a newer version comes back with its contact", func(t *testing.T) {
		f := newFakeServer(t)
		gone := taskView("t", 2, TaskCancelled, "2026-12-01T12:00:00Z", goneName, gonePhone)
		gone.RemovedReason = RemovedReassigned
		f.addTaskView(taskView("t", 1, TaskOpen, "2026-12-01T12:00:00Z", goneName, gonePhone))
		f.addTaskView(gone)
		f.addTaskView(taskView("t", 1, TaskOpen, "2026-12-01T12:00:00Z", goneName, gonePhone)) // stale, late
		f.addTaskView(taskView("t", 3, TaskOpen, "2026-12-01T12:00:00Z", goneName, gonePhone))
		o, _ := openTest(t, tempDB(t), testOptions(f))
		o.pullLimit = 1
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := taskVersions(t, o); got != "t@3:open" {
			t.Errorf("tasks = %q, want t@3:open", got)
		}
	})

	t.Run("a process that dies before scrubbing scrubs when the file is opened again", func(t *testing.T) {
		f := newFakeServer(t)
		addOpenTasks(f, inbox)
		f.addTaskView(taskView("gone", 1, TaskOpen, "2026-12-01T12:00:00Z", goneName, gonePhone))
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(f))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		f.addTaskView(taskView("gone", 2, TaskDone, "2026-12-01T12:00:00Z", goneName, gonePhone))
		o.hook = func(point string) error {
			if point == "pre-scrub" {
				return errKilled
			}
			return nil
		}
		if err := o.Sync(t.Context()); !errors.Is(err, errKilled) {
			t.Fatalf("Sync = %v, want the kill", err)
		}
		o.Close()
		if !fileHas(t, path, gonePhone) {
			t.Fatal("premise: the killed process left the old copy in a free page")
		}
		if tk := mustTaskAfterReopen(t, path); tk.PhoneMasked != "" {
			t.Errorf("task = %+v, want the contact deleted with the change", tk)
		}
		if fileHas(t, path, gonePhone) {
			t.Errorf("after reopening, the file still holds the closed task's masked phone")
		}
	})

	t.Run("pushed ops leave no customer phone in the file", func(t *testing.T) {
		// 30 pickups make a file big enough that freed pages are not all
		// reused at once, as on a handheld after a day's work.
		f := newFakeServer(t)
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(f))
		ids := []string{}
		for i := range 30 {
			id, err := o.RecordPickup(samplePickup(i))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		c := sampleComplaint()
		id, err := o.RecordComplaint(c)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		if !fileHas(t, path, c.CustomerPhone) {
			t.Fatal("premise: a queued complaint's phone should be in the file")
		}
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		f.checkExactlyOnce(t, ids)
		p := samplePickup(0)
		for _, s := range []string{c.CustomerPhone, p.SenderPhone, p.RecipientPhone, p.RecipientAddress} {
			if fileHas(t, path, s) {
				t.Errorf("after the push the file still holds %q", s)
			}
		}
	})
}

func mustTasks(t *testing.T, o *Outbox) []*CallbackTask {
	t.Helper()
	tasks, err := o.CallbackTasks()
	if err != nil {
		t.Fatal(err)
	}
	return tasks
}

// mustTaskAfterReopen opens the file at path again and returns task
// "gone"; the Outbox is closed when the test ends.
func mustTaskAfterReopen(t *testing.T, path string) *CallbackTask {
	t.Helper()
	o, _ := openTest(t, path, testOptions(nil))
	tk, err := o.Task("gone")
	if err != nil {
		t.Fatal(err)
	}
	return tk
}
