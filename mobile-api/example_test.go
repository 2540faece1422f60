package mobileapi_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"path/filepath"
	"time"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/syncproto"
)

// A handheld records a pickup while offline and syncs when it can. The
// record is on disk as soon as RecordPickup returns; Sync delivers it once,
// however often it is interrupted.
func Example() {
	ob, err := mobileapi.Open(filepath.Join("/data/app", "outbox.db"), &mobileapi.Options{
		ServerURL: "http://127.0.0.1:8080",
		DeviceID:  "handheld-0042",
		Username:  "courier-7",
		Password:  "from the login screen",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer ob.Close()

	_, err = ob.RecordPickup(&mobileapi.Pickup{
		Waybill:    "SF1234567890",
		SenderName: "…", SenderPhone: "…", SenderAddress: "…",
		RecipientName: "…", RecipientPhone: "…", RecipientAddress: "…",
		WeightG: 1200, DeclaredValueCents: 50000, Inspected: true,
	})
	var invalid *syncproto.Error
	if errors.As(err, &invalid) {
		fmt.Println("fix the form:", invalid.Message) // names the field, never the value
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := ob.Sync(ctx); err != nil {
		log.Print("will retry later: ", err) // nothing is lost
	}
	st, _ := ob.Status()
	fmt.Println("pending:", st.Pending, "rejected:", st.Rejected)
}

// A courier photographs a damaged parcel. The report goes out with the next
// Sync whether or not the photo has been uploaded; the photo follows in
// resumable chunks, on this Sync or a later one.
func ExampleOutbox_AttachPhoto() {
	ob, err := mobileapi.Open("/data/app/outbox.db", &mobileapi.Options{ServerURL: "http://127.0.0.1:8080", DeviceID: "handheld-0042"})
	if err != nil {
		log.Fatal(err)
	}
	defer ob.Close()

	digest, err := ob.AttachPhoto("/data/app/camera/IMG_0001.jpg")
	if errors.Is(err, mobileapi.ErrPhotoFormat) {
		fmt.Println("take the photo again as JPEG or PNG")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	if _, err := ob.RecordDamageReport(&mobileapi.DamageReport{
		Waybill: "SF1234567890", Stage: "delivery", Severity: "major",
		Description: "box crushed on one side", Photos: []string{digest},
	}); err != nil {
		log.Fatal(err)
	}
	_ = ob.Sync(context.Background()) // pushes the report, then uploads the photo

	photos, _ := ob.Photos()
	for _, p := range photos {
		if p.State == mobileapi.PhotoFailed {
			fmt.Println("photo refused:", p.Code, p.Message)
		}
	}
}

// A courier opens the callback inbox, reveals the number of the task due
// first, calls, and records the outcome. The number is held only as long
// as the call screen needs it.
func ExampleOutbox_RevealContact() {
	ob, err := mobileapi.Open("/data/app/outbox.db", &mobileapi.Options{ServerURL: "http://127.0.0.1:8080", DeviceID: "handheld-0042"})
	if err != nil {
		log.Fatal(err)
	}
	defer ob.Close()

	inbox, err := ob.OpenTasks()
	if err != nil || inbox.Len() == 0 {
		return
	}
	task := inbox.Get(0) // soonest due
	fmt.Println("call", task.NameMasked, task.PhoneMasked, "by", task.DueBy)

	contact, err := ob.RevealContact(context.Background(), task.TaskID)
	switch {
	case errors.Is(err, mobileapi.ErrRateLimited):
		fmt.Println("try again in", mobileapi.RetryAfterSeconds(err), "s")
		return
	case errors.Is(err, mobileapi.ErrTaskClosed), errors.Is(err, mobileapi.ErrNotAssigned):
		_ = ob.Sync(context.Background()) // the inbox is stale
		return
	case err != nil:
		fmt.Println("no connection: the number can only be revealed online")
		return
	}
	dial(contact.Phone) // hand it to the dialer; forget it by contact.ExpiresAt
	contact = nil

	if _, err := ob.RecordCallbackOutcome(&mobileapi.CallbackOutcome{
		TaskID: task.TaskID, Result: "reached", Resolved: true, Satisfaction: 5,
	}); err != nil {
		log.Fatal(err)
	}
	_ = ob.Sync(context.Background())
}

// dial stands for the platform's dialer.
func dial(string) {}

// The app registers its FCM token, and syncs when a data message wakes it.
func ExampleOutbox_SetPushToken() {
	ob, err := mobileapi.Open("/data/app/outbox.db", &mobileapi.Options{ServerURL: "http://127.0.0.1:8080", DeviceID: "handheld-0042"})
	if err != nil {
		log.Fatal(err)
	}
	defer ob.Close()

	// From FirebaseMessagingService.onNewToken (and at start):
	if err := ob.SetPushToken("fcm-registration-token"); err != nil {
		log.Fatal(err)
	}
	// From onMessageReceived: the message carries no task, only a nudge.
	if err := ob.Sync(context.Background()); err != nil {
		log.Print("will retry later: ", err)
	}
	if st, _ := ob.Status(); st.LastPushTokenError != "" {
		log.Print("push token not registered yet: ", st.LastPushTokenError)
	}
}
