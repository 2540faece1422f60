package courier

// TaskList is a list of callback tasks.
type TaskList interface {
	// Len is the number of tasks.
	Len() int
	// Get returns task i (0 ≤ i < Len), nil out of range.
	Get(i int) Task
}

// ComplaintList is a list of complaints.
type ComplaintList interface {
	// Len is the number of complaints.
	Len() int
	// Get returns complaint i, nil out of range.
	Get(i int) ComplaintCase
}

// PhotoList is a list of photos.
type PhotoList interface {
	// Len is the number of photos.
	Len() int
	// Get returns photo i, nil out of range.
	Get(i int) Photo
}

// RejectedOpList is a list of rejected ops.
type RejectedOpList interface {
	// Len is the number of ops.
	Len() int
	// Get returns op i, nil out of range.
	Get(i int) RejectedOp
}

// VehicleStatusList is a list of vehicle statuses.
type VehicleStatusList interface {
	// Len is the number of vehicles.
	Len() int
	// Get returns vehicle i, nil out of range.
	Get(i int) VehicleStatus
}

// The lists are pointers: gobind keys every Go object it hands to Java or
// Objective-C by its value in a map, and a slice is not a valid key.
type (
	taskList          struct{ l []Task }
	complaintList     struct{ l []ComplaintCase }
	photoList         struct{ l []Photo }
	rejectedList      struct{ l []RejectedOp }
	vehicleStatusList struct{ l []VehicleStatus }
)

func at[T any](l []T, i int) T {
	var zero T
	if i < 0 || i >= len(l) {
		return zero
	}
	return l[i]
}

func (l *taskList) Len() int                         { return len(l.l) }
func (l *taskList) Get(i int) Task                   { return at(l.l, i) }
func (l *complaintList) Len() int                    { return len(l.l) }
func (l *complaintList) Get(i int) ComplaintCase     { return at(l.l, i) }
func (l *photoList) Len() int                        { return len(l.l) }
func (l *photoList) Get(i int) Photo                 { return at(l.l, i) }
func (l *rejectedList) Len() int                     { return len(l.l) }
func (l *rejectedList) Get(i int) RejectedOp         { return at(l.l, i) }
func (l *vehicleStatusList) Len() int                { return len(l.l) }
func (l *vehicleStatusList) Get(i int) VehicleStatus { return at(l.l, i) }
