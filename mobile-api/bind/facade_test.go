package courier_test

import (
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	courier "github.com/courier-sync/courier-sync/mobile-api/bind"
)

// handed checks v as gobind's seq package does when it hands a Go object
// to Java or Objective-C: it must be usable as a map key.
func handed(t *testing.T, v any) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%T cannot cross the binding: %v", v, r)
		}
	}()
	_ = map[any]bool{v: true}
}

// recorder is a Listener as an app implements it.
type recorder struct {
	mu     sync.Mutex
	phases map[string]bool
	done   []string
}

func (r *recorder) OnProgress(phase string, ops, photos int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.phases[phase] = true
}

func (r *recorder) OnSyncDone(code, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = append(r.done, code)
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%v (code %s)", err, courier.CodeOf(err))
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := courier.CodeOf(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
	if e, ok := err.(*courier.Error); !ok || e.ErrorCode() != code {
		t.Fatalf("error %T is not a *courier.Error with code %q", err, code)
	}
}

// TestFacadeDrivesARealServerAsAnAppWould calls the facade in the order
// and with the types a Kotlin or Swift app uses, against a real courierd.
func TestFacadeDrivesARealServerAsAnAppWould(t *testing.T) {
	f := newFixture(t, "app-courier")
	opts := courier.NewOptions(f.url, "pda-app-1")
	opts.Username, opts.Password = f.courier, f.password
	o, err := courier.NewOutbox(filepath.Join(t.TempDir(), "outbox.db"), opts)
	mustOK(t, err)
	defer o.Close()
	rec := &recorder{phases: map[string]bool{}}
	o.SetListener(rec)
	mustOK(t, o.SetPushToken("fcm-token-of-pda-app-1"))

	p := courier.NewPickup("SF2000000001")
	p.SenderName, p.SenderPhone, p.SenderAddress = "王小明", "13800138000", "上海市浦东新区世纪大道100号"
	p.RecipientName, p.RecipientPhone, p.RecipientAddress = "李雷", "13900139000", "北京市朝阳区建国路1号"
	p.WeightG, p.Inspected, p.CODAmountCents = 1200, true, 3000
	pickupOp, err := o.RecordPickup(p)
	mustOK(t, err)
	digest, err := o.AttachPhoto(smallJPEG(t))
	mustOK(t, err)
	dr := courier.NewDamageReport("SF2000000001", courier.StagePickup, courier.SeverityMinor)
	dr.Description = "corner crushed"
	dr.AddPhoto(digest)
	damageOp, err := o.RecordDamageReport(dr)
	mustOK(t, err)
	vl := courier.NewVehicleLog("沪A-B1234", courier.LogInspection, 42000)
	vl.AddItem("brakes", false, "soft pedal")
	vl.AddItem("lights", true, "")
	vl.AddPhoto(digest)
	_, err = o.RecordVehicleLog(vl)
	mustOK(t, err)
	_, err = o.RecordCODReceipt(courier.NewCODReceipt("SF2000000001", "R-0001", 3000, courier.MethodCash))
	mustOK(t, err)
	c := courier.NewComplaint(courier.CategoryDelay, time.Now().UTC().Format(time.RFC3339))
	c.Description, c.CustomerName, c.CustomerPhone = "late twice", "赵六", "13700137000"
	_, err = o.RecordComplaint(c)
	mustOK(t, err)
	out := courier.NewCallbackOutcome(f.taskID, courier.ResultReached)
	out.Resolved, out.Satisfaction = true, 5
	_, err = o.RecordCallbackOutcome(out)
	mustOK(t, err)
	dup := *p
	dup.WeightG = 1
	_, err = o.RecordPickup(&dup) // valid on the device, refused by the server
	mustOK(t, err)

	t.Run("invalid input and unknown ids come back as coded errors", func(t *testing.T) {
		_, err := o.RecordPickup(courier.NewPickup("x"))
		wantCode(t, err, "validation_failed")
		_, err = o.RecordDamageReport(courier.NewDamageReport("SF2000000001", courier.StagePickup, courier.SeverityMinor))
		wantCode(t, err, "validation_failed") // no photo
		_, err = o.Task("no-such-task")
		wantCode(t, err, courier.CodeUnknownTask)
		_, err = o.VehicleStatus("never-logged")
		wantCode(t, err, courier.CodeUnknownVehicle)
		wantCode(t, o.RetryPhoto("00"), courier.CodeUnknownPhoto)
	})
	t.Run("a cancelled handle stops a sync, and a short timeout too, losing nothing", func(t *testing.T) {
		h := courier.NewCancel()
		h.Cancel()
		wantCode(t, o.Sync(0, h), courier.CodeCancelled)
		st, err := o.Status()
		mustOK(t, err)
		if st.Pending() != 7 {
			t.Fatalf("pending %d after a cancelled sync, want 7", st.Pending())
		}
	})

	second := f.newTask("SF1000000002")
	mustOK(t, o.Sync(60_000, courier.NewCancel()))
	// The tasks and the vehicle status the push produced come in the next pull.
	mustOK(t, o.Sync(60_000, nil))

	t.Run("the outbox is empty and the server applied the ops", func(t *testing.T) {
		st, err := o.Status()
		mustOK(t, err)
		handed(t, st)
		if st.Pending() != 0 || st.Rejected() != 1 || st.PhotosPending() != 0 || st.PushTokenPending() || st.LastSyncAt() == "" {
			t.Fatalf("status: pending %d rejected %d photos %d token %v last %q", st.Pending(), st.Rejected(), st.PhotosPending(), st.PushTokenPending(), st.LastSyncAt())
		}
		audit := f.auditedOps(t)
		if audit[pickupOp] != "applied" || audit[damageOp] != "applied" {
			t.Fatalf("audit: pickup %q, damage %q", audit[pickupOp], audit[damageOp])
		}
		rej, err := o.RejectedOps()
		mustOK(t, err)
		handed(t, rej)
		if rej.Len() != 1 || rej.Get(0).Code() != "duplicate_waybill" || rej.Get(0).Kind() != "pickup" || rej.Get(1) != nil {
			t.Fatalf("rejected ops: %d", rej.Len())
		}
		ph, err := o.Photos()
		mustOK(t, err)
		handed(t, ph)
		if ph.Len() != 1 || ph.Get(0).Digest() != digest || ph.Get(0).State() != courier.PhotoUploaded {
			t.Fatalf("photos: %d", ph.Len())
		}
	})
	t.Run("the inbox, the vehicle's defect and the feed's other views read offline", func(t *testing.T) {
		tl, err := o.TasksByStatus("")
		mustOK(t, err)
		handed(t, tl)
		if tl.Len() != 2 || tl.Get(2) != nil {
			t.Fatalf("tasks: %d", tl.Len())
		}
		task, err := o.Task(f.taskID)
		mustOK(t, err)
		handed(t, task)
		vs, err := o.VehicleStatus("沪A-B1234")
		mustOK(t, err)
		handed(t, vs)
		if vs.Fit() || vs.DefectCount() != 1 || vs.Defect(0).Item() != "brakes" || vs.Defect(1) != nil {
			t.Fatalf("vehicle: fit %v, %d defects", vs.Fit(), vs.DefectCount())
		}
		all, err := o.VehicleStatuses()
		mustOK(t, err)
		handed(t, all)
		if all.Len() != 1 || all.Get(0).VehicleID() != "沪A-B1234" {
			t.Fatalf("vehicles: %d", all.Len())
		}
		cfg, err := o.Config()
		mustOK(t, err)
		handed(t, cfg)
		if cfg.UploadChunkBytes() <= 0 {
			t.Fatalf("config chunk %d", cfg.UploadChunkBytes())
		}
		b, err := o.CODBalance()
		mustOK(t, err)
		handed(t, b)
		cl, err := o.OpenComplaints()
		mustOK(t, err)
		handed(t, cl)
	})
	t.Run("a reveal returns the full contact, in memory only", func(t *testing.T) {
		ct, err := o.RevealContact(second, 30_000, nil)
		mustOK(t, err)
		handed(t, ct)
		if ct.Phone() != "13812345678" || ct.Name() != "张三" || ct.ExpiresAt() == "" {
			t.Fatalf("revealed contact incomplete")
		}
		// The outcome pushed above closed the first task: the server says so.
		ct, err = o.RevealContact(f.taskID, 30_000, nil)
		wantCode(t, err, courier.CodeTaskClosed)
		if ct != nil {
			t.Fatal("a contact came with an error")
		}
	})
	t.Run("the listener heard every phase and each sync's end", func(t *testing.T) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for _, ph := range []string{"login", "push_token", "push", "pull", "photos"} {
			if !rec.phases[ph] {
				t.Errorf("phase %q not heard: %v", ph, rec.phases)
			}
		}
		if len(rec.done) != 3 || rec.done[0] != courier.CodeCancelled || rec.done[1] != "" || rec.done[2] != "" {
			t.Errorf("OnSyncDone codes %q, want cancelled, then two successes", rec.done)
		}
	})
	t.Run("wake-ups while a background sync runs are coalesced", func(t *testing.T) {
		rec.mu.Lock()
		before := len(rec.done)
		rec.mu.Unlock()
		for range 5 {
			o.Wake(60_000)
		}
		if !o.WaitIdle(120_000) {
			t.Fatal("background sync did not finish")
		}
		rec.mu.Lock()
		n := len(rec.done) - before
		rec.mu.Unlock()
		if n < 1 || n > 2 {
			t.Fatalf("5 wake-ups ran %d syncs, want 1 or 2", n)
		}
	})
	mustOK(t, o.Close())
	wantCode(t, o.Sync(0, nil), courier.CodeClosed)
}

// Every method of mobileapi.Outbox is reached by a method of the facade:
// a method added there without a way in from Java and Swift fails here.
func TestEveryOutboxMethodIsReachedByTheFacade(t *testing.T) {
	reach := map[string]string{
		"CallbackTasks":         "OpenTasks",
		"CallbackTasksByStatus": "TasksByStatus",
	}
	facade := reflect.TypeOf(&courier.Outbox{})
	lib := reflect.TypeOf(&mobileapi.Outbox{})
	for i := range lib.NumMethod() {
		name := lib.Method(i).Name
		want := name
		if r, ok := reach[name]; ok {
			want = r
		}
		if _, ok := facade.MethodByName(want); !ok {
			t.Errorf("mobileapi.Outbox.%s has no counterpart (%s) in the facade", name, want)
		}
	}
}
