package courier

import (
	"sync"
	"sync/atomic"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
)

// Options configures an Outbox. Make it with NewOptions and set the
// credentials before the first Sync; they are kept in memory only.
type Options struct {
	// ServerURL is the server's base URL, e.g. "https://sync.example.com".
	ServerURL string
	// DeviceID is the stable id of this device (1–128 bytes); the file is
	// bound to it for good.
	DeviceID string
	// Username and Password log the courier in when there is no session.
	Username string
	// Password goes with Username.
	Password string
	// BatchSize is the number of ops per push (0: 200; at most 500).
	BatchSize int
	// MaxAttempts is the number of tries per request in one Sync (0: 8).
	MaxAttempts int
}

// NewOptions returns Options for a server and a device.
func NewOptions(serverURL, deviceID string) *Options {
	return &Options{ServerURL: serverURL, DeviceID: deviceID}
}

// Outbox is the device's durable outbox and sync engine (mobileapi.Outbox):
// one file on the device plus a folder of photos beside it. Its methods are
// safe to call from any thread.
type Outbox struct {
	ob       *mobileapi.Outbox
	listener atomic.Pointer[listenerBox]
	wake     wakeState
}

type listenerBox struct{ l Listener }

// wakeState coalesces wake-ups into at most one background sync at a time.
type wakeState struct {
	mu      sync.Mutex
	running bool
	again   bool
	timeout int64
	done    chan struct{}
}

// NewOutbox opens (or creates) the outbox file at path. opts may be nil
// only for a file that already holds a device id and will not Sync.
func NewOutbox(path string, opts *Options) (*Outbox, error) {
	o := &Outbox{}
	var mo *mobileapi.Options
	if opts != nil {
		mo = &mobileapi.Options{ServerURL: opts.ServerURL, DeviceID: opts.DeviceID, Username: opts.Username,
			Password: opts.Password, BatchSize: opts.BatchSize, MaxAttempts: opts.MaxAttempts, Transport: progressTransport(o)}
	}
	ob, err := mobileapi.Open(path, mo)
	if err != nil {
		return nil, wrap(err)
	}
	o.ob = ob
	return o, nil
}

// Close stops a running sync (which ends with CodeClosed) and closes the
// file; everything recorded stays in it. Closing twice is harmless.
func (o *Outbox) Close() error { return wrap(o.ob.Close()) }

// Status returns counts and the outcome of the last sync and upload.
func (o *Outbox) Status() (Status, error) {
	s, err := o.ob.Status()
	if err != nil {
		return nil, wrap(err)
	}
	return status{s}, nil
}

// Config returns the capture policy last pulled (zero before any).
func (o *Outbox) Config() (Config, error) {
	c, err := o.ob.Config()
	if err != nil {
		return nil, wrap(err)
	}
	return config{c}, nil
}

// CODBalance returns the courier's COD balance from the last pull; empty
// AsOf before any.
func (o *Outbox) CODBalance() (Balance, error) {
	b, err := o.ob.CODBalance()
	if err != nil {
		return nil, wrap(err)
	}
	return balance{b}, nil
}

// SetPushToken stores the FCM (or APNs via FCM) registration token; the
// next Sync registers it. Call it at start and when the token changes.
func (o *Outbox) SetPushToken(token string) error { return wrap(o.ob.SetPushToken(token)) }

// AttachPhoto takes the JPEG or PNG at path into the photo queue (after the
// capture policy) and returns its digest for DamageReport.AddPhoto or
// VehicleLog.AddPhoto. The file at path may be deleted when it returns.
func (o *Outbox) AttachPhoto(path string) (string, error) {
	d, err := o.ob.AttachPhoto(path)
	return d, wrap(err)
}

// RetryPhoto queues a failed photo again.
func (o *Outbox) RetryPhoto(digest string) error { return wrap(o.ob.RetryPhoto(digest)) }

// Photos returns every attached photo with its upload state.
func (o *Outbox) Photos() (PhotoList, error) {
	ps, err := o.ob.Photos()
	if err != nil {
		return nil, wrap(err)
	}
	l := &photoList{make([]Photo, len(ps))}
	for i, p := range ps {
		l.l[i] = photo{p}
	}
	return l, nil
}

// RejectedOps returns the ops the server rejected, oldest first.
func (o *Outbox) RejectedOps() (RejectedOpList, error) {
	rs, err := o.ob.RejectedOps()
	if err != nil {
		return nil, wrap(err)
	}
	l := &rejectedList{make([]RejectedOp, len(rs))}
	for i, r := range rs {
		l.l[i] = rejected{r}
	}
	return l, nil
}

// OpenTasks returns the callback inbox: open tasks, soonest due first,
// contacts masked.
func (o *Outbox) OpenTasks() (TaskList, error) {
	ts, err := o.ob.CallbackTasks()
	return tasks(ts, err)
}

// TasksByStatus returns the pulled tasks of a status (TaskOpen, TaskDone,
// TaskCancelled), or all of them for "".
func (o *Outbox) TasksByStatus(status string) (TaskList, error) {
	ts, err := o.ob.CallbackTasksByStatus(status)
	return tasks(ts, err)
}

func tasks(ts []*mobileapi.CallbackTask, err error) (TaskList, error) {
	if err != nil {
		return nil, wrap(err)
	}
	l := &taskList{make([]Task, len(ts))}
	for i, t := range ts {
		l.l[i] = task{t}
	}
	return l, nil
}

// Task returns one pulled task whatever its status; CodeUnknownTask if none.
func (o *Outbox) Task(taskID string) (Task, error) {
	t, err := o.ob.Task(taskID)
	if err != nil {
		return nil, wrap(err)
	}
	return task{t}, nil
}

// OpenComplaints returns the open complaints about this courier, soonest
// due first, customers masked, deadline state at the device clock.
func (o *Outbox) OpenComplaints() (ComplaintList, error) {
	cl, err := o.ob.OpenComplaints()
	if err != nil {
		return nil, wrap(err)
	}
	l := &complaintList{make([]ComplaintCase, cl.Len())}
	for i := range l.l {
		l.l[i] = complaintCase{cl.Get(i)}
	}
	return l, nil
}

// VehicleStatus returns the last pulled fitness and open defects of a
// vehicle; CodeUnknownVehicle when the feed never described it.
func (o *Outbox) VehicleStatus(vehicleID string) (VehicleStatus, error) {
	v, err := o.ob.VehicleStatus(vehicleID)
	if err != nil {
		return nil, wrap(err)
	}
	return vehicleStatus{v}, nil
}

// VehicleStatuses returns every vehicle status pulled, by vehicle id.
func (o *Outbox) VehicleStatuses() (VehicleStatusList, error) {
	vs, err := o.ob.VehicleStatuses()
	if err != nil {
		return nil, wrap(err)
	}
	l := &vehicleStatusList{make([]VehicleStatus, len(vs))}
	for i, v := range vs {
		l.l[i] = vehicleStatus{v}
	}
	return l, nil
}
