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
