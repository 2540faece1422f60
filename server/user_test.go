package server

import (
	"errors"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestValidateNewUser(t *testing.T) {
	ok := syncproto.CreateUserRequest{Username: "li.wei_2", Password: "eight-ch", Role: syncproto.RoleCourier}
	tests := []struct {
		name string
		edit func(*syncproto.CreateUserRequest)
		want string // "" accepted, else a word of the message
	}{
		{"a plain courier is accepted", func(*syncproto.CreateUserRequest) {}, ""},
		{"a two-letter username is refused", func(r *syncproto.CreateUserRequest) { r.Username = "li" }, "username"},
		{"a username past 64 is refused", func(r *syncproto.CreateUserRequest) { r.Username = strings.Repeat("a", 65) }, "username"},
		{"capitals are refused", func(r *syncproto.CreateUserRequest) { r.Username = "LiWei" }, "username"},
		{"a space is refused", func(r *syncproto.CreateUserRequest) { r.Username = "li wei" }, "username"},
		{"a 7-character password is refused", func(r *syncproto.CreateUserRequest) { r.Password = "seven-c" }, "password"},
		{"a password past bcrypt's 72 bytes is refused", func(r *syncproto.CreateUserRequest) { r.Password = strings.Repeat("p", 73) }, "72"},
		{"an unknown role is refused", func(r *syncproto.CreateUserRequest) { r.Role = "root" }, "role"},
		{"a display name past 128 bytes is refused", func(r *syncproto.CreateUserRequest) { r.DisplayName = strings.Repeat("x", 129) }, "display_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := ok
			tt.edit(&req)
			err := ValidateNewUser(&req)
			var pe *syncproto.Error
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (!errors.As(err, &pe) || pe.Code != syncproto.CodeInvalidRequest || !strings.Contains(pe.Message, tt.want)):
				t.Fatalf("got %v, want invalid_request about %s", err, tt.want)
			}
		})
	}
}

func TestValidPushToken(t *testing.T) {
	for tok, want := range map[string]bool{
		"fcm:APA91b-token_1":                   true,
		"":                                     false,
		"with space":                           false,
		"tab\there":                            false,
		"é":                                    false,
		strings.Repeat("t", MaxPushTokenLen):   true,
		strings.Repeat("t", MaxPushTokenLen+1): false,
	} {
		if got := ValidPushToken(tok); got != want {
			t.Errorf("ValidPushToken(%.20q…) = %v, want %v", tok, got, want)
		}
	}
}

func TestPrincipalRoles(t *testing.T) {
	courier := Principal{Role: syncproto.RoleCourier}
	sup := Principal{Role: syncproto.RoleSupervisor}
	if !courier.IsCourier() || sup.IsCourier() {
		t.Error("IsCourier must hold for a courier only")
	}
	if courier.AtLeast(syncproto.RoleDispatcher) || !sup.AtLeast(syncproto.RoleDispatcher) || sup.AtLeast(syncproto.RoleAdmin) {
		t.Error("AtLeast must follow courier < dispatcher < supervisor < admin")
	}
	if (Principal{Role: "root"}).AtLeast(syncproto.RoleCourier) {
		t.Error("an unknown role must rank below every role")
	}
}
