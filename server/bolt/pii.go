package bolt

import (
	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// sealedParty is a person's contact data at rest: name, phone and address
// sealed together, a keyed hash of the phone for equality lookups, and the
// masked forms that views show. Purging personal data empties all of it.
type sealedParty struct {
	Sealed      []byte `json:"sealed,omitempty"`
	PhoneIndex  []byte `json:"phone_idx,omitempty"`
	NameMasked  string `json:"name_masked,omitempty"`
	PhoneMasked string `json:"phone_masked,omitempty"`
	Purged      bool   `json:"purged,omitempty"`
}

func (d *DB) sealParty(p syncproto.Party) (sealedParty, error) {
	sealed, err := d.opts.PII.Seal(partyPlain(p))
	if err != nil {
		return sealedParty{}, err
	}
	return sealedParty{Sealed: sealed, PhoneIndex: d.opts.PII.Index(p.Phone),
		NameMasked: server.MaskName(p.Name), PhoneMasked: server.MaskPhone(p.Phone)}, nil
}

// openParty returns the plain contact data; purged data → ErrNotFound.
func (d *DB) openParty(s sealedParty) (syncproto.Party, error) {
	var p syncproto.Party
	if s.Purged || len(s.Sealed) == 0 {
		return p, server.ErrNotFound
	}
	plain, err := d.opts.PII.Open(s.Sealed)
	if err != nil {
		return p, err
	}
	return readPartyPlain(plain)
}

// contact returns the masked view of a sealed party.
func (s sealedParty) contact() syncproto.Contact {
	return syncproto.Contact{NameMasked: s.NameMasked, PhoneMasked: s.PhoneMasked}
}

// sealPayload seals the personal data of a pickup or complaint before the
// write transaction, and blanks it in the payload that will be stored.
func (d *DB) sealPayload(po *pendingOp) error {
	switch p := po.payload.(type) {
	case *syncproto.Pickup:
		s, err := d.sealParty(p.Sender)
		if err != nil {
			return err
		}
		r, err := d.sealParty(p.Recipient)
		if err != nil {
			return err
		}
		po.sealed = []sealedParty{s, r}
		p.Sender, p.Recipient = syncproto.Party{}, syncproto.Party{}
	case *syncproto.Complaint:
		c, err := d.sealParty(syncproto.Party{Name: p.Customer.Name, Phone: p.Customer.Phone})
		if err != nil {
			return err
		}
		po.sealed = []sealedParty{c}
		p.Customer = syncproto.Customer{}
		return d.sealOpText(po, &p.Description)
	case *syncproto.DamageReport:
		return d.sealOpText(po, &p.Description)
	case *syncproto.CallbackOutcome:
		return d.sealOpText(po, &p.Note)
	}
	return nil
}

// sealOpText seals an op's free text into po.text and blanks it in the
// payload that will be stored.
func (d *DB) sealOpText(po *pendingOp, text *string) error {
	sealed, err := d.sealText(*text)
	if err != nil {
		return err
	}
	po.text, *text = sealed, ""
	return nil
}

// unreadableText stands in for free text the key file cannot open: a view
// still renders, and says so, instead of failing whole.
const unreadableText = "[sealed text: key not available]"

// sealText seals free text at rest; empty text stays nil.
func (d *DB) sealText(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	return d.opts.PII.Seal([]byte(s))
}

// openText returns sealed free text in the clear, or legacy: the plain
// text of a record written before free text was sealed.
func (d *DB) openText(sealed []byte, legacy string) string {
	if len(sealed) == 0 {
		return legacy
	}
	plain, err := d.opts.PII.Open(sealed)
	if err != nil {
		return unreadableText
	}
	return string(plain)
}

// maskedText is sealed free text as a view shows it: opened, with the
// personal data in it masked, including the party's own name and phone.
func (d *DB) maskedText(sealed []byte, legacy string, party sealedParty) string {
	text := d.openText(sealed, legacy)
	if text == "" {
		return ""
	}
	if p, err := d.openParty(party); err == nil {
		return server.RedactText(text, p.Name, p.Phone)
	}
	return server.RedactText(text)
}
