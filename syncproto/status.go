package syncproto

// The wire values of statuses, flags and reasons: the one definition that
// server, mobile-api and courier-sim use. PROTOCOL.md and DOMAIN.md name
// them; never rename one.

// Callback task statuses.
const (
	TaskOpen      = "open"
	TaskDone      = "done"
	TaskCancelled = "cancelled"
	// RemovedReassigned is a callback task's removed_reason when it was
	// given to another courier; it comes with status "cancelled".
	RemovedReassigned = "reassigned"
)

// Complaint statuses, in the order a complaint walks them.
const (
	ComplaintReceived = "received"
	ComplaintVerified = "verified"
	ComplaintHandled  = "handled"
	ComplaintClosed   = "closed"
)

// Complaint channels: how a complaint reached the company.
const (
	ChannelPhone   = "phone"
	ChannelWeb     = "web"
	ChannelWeChat  = "wechat"
	ChannelCourier = "courier"
)

// Claim statuses.
const (
	ClaimFiled        = "filed"
	ClaimAcknowledged = "acknowledged"
	ClaimDecided      = "decided"
	ClaimPaid         = "paid"
)

// Vehicle defect statuses and resolutions, and the reasons a vehicle is not
// fit to drive.
const (
	DefectOpen      = "open"
	DefectCertified = "certified"

	ResolutionRepaired  = "repaired"
	ResolutionNotNeeded = "not_needed"

	ReasonOpenDefects    = "open_defects"
	ReasonServiceOverdue = "service_overdue"
	ReasonServiceDueSoon = "service_due_soon"
)

// Monthly inspection, item and corrective-action statuses.
const (
	InspectionOpen      = "open"
	InspectionCompleted = "completed"

	ItemPending = "pending"
	ItemPass    = "pass"
	ItemFail    = "fail"

	ActionOpen   = "open"
	ActionClosed = "closed"
)

// Flags the server notes on an op or a record without refusing it.
const (
	// FlagClockSkew marks an op whose device clock was off by more than
	// the allowed skew; its times were corrected.
	FlagClockSkew = "clock_skew"
	// FlagUnknownWaybill marks a callback task for a waybill the server
	// has no record of.
	FlagUnknownWaybill = "unknown_waybill"
	// FlagReviewNeeded marks a callback outcome a supervisor should read.
	FlagReviewNeeded = "review_needed"
	// FlagRegisteredByLog marks a vehicle first seen in a courier's check.
	FlagRegisteredByLog = "registered_by_log"
	// FlagVehicleUnregistered marks a vehicle log of a vehicle the
	// registry did not know (it is registered by the log).
	FlagVehicleUnregistered = "vehicle_unregistered"
	// FlagDefectOpened marks a vehicle inspection log that opened defects.
	FlagDefectOpened = "defect_opened"
)

// Callback task patch actions (PATCH /v1/callbacks/{id}).
const (
	PatchCancel   = "cancel"
	PatchReassign = "reassign"
	PatchReview   = "review"
)

// COD ledger entry statuses: where the cash is.
const (
	CODCollected  = "collected"
	CODHandedOver = "handed_over"
	CODSettled    = "settled"
)

// COD ledger entry kinds.
const (
	EntryReceipt    = "receipt"
	EntryReversal   = "reversal"
	EntryCorrection = "correction"
)

// COD discrepancy codes, and the flag of a receipt that has one.
const (
	DiscrepancyAmountMismatch      = "amount_mismatch"
	DiscrepancyUnknownWaybill      = "unknown_waybill"
	DiscrepancyHandoverCount       = "handover_count"
	DiscrepancyDuplicateCollection = "duplicate_collection"

	FlagCODDiscrepancy = "cod_discrepancy"
)
