package guard

import (
	"testing"
	"unicode"
)

func TestScan(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		// email
		{"email plain", "jane.doe@example.org", "email"},
		{"email in text", "please cc jane.doe@example.org on this", "email"},
		{"email upper case", "JANE.DOE@EXAMPLE.ORG", "email"},
		{"email full-width at", "jane.doe＠example.org", "email"},
		{"email small at", "jane.doe﹫example.org", "email"},
		{"email zero-width space", "jane\u200b.doe@exa\u200bmple.org", "email"},
		{"email ideographic full stop", "jane@example。org", "email"},
		{"email cyrillic letters", "јаnе@ехаmple.org", "email"},
		{"email bracket at dot", "jane.doe(at)example(dot)org", "email"},
		{"email square brackets", "jane.doe [at] example [dot] org", "email"},
		{"email bracket at real dot", "jane {at} example.travel", "email"},
		{"email spelled out", "write to jane at example dot org", "email"},
		{"email spelled at", "jane.doe at example.com", "email"},
		{"email percent encoded", "mailto:jane%40example.org", "email"},
		{"email html entity", "jane&#64;example.org", "email"},
		{"not email handle", "ping @jane about it", ""},
		{"not email prose", "look at the dot matrix", ""},
		{"not email meeting", "meet at 5pm", ""},
		{"not email local host", "root@localhost", ""},
		// phone
		{"phone us in note", "call +1 (415) 555-0134 tomorrow", "phone"},
		{"phone e164", "+14155550134", "phone"},
		{"phone international spaces", "+44 20 7946 0958", "phone"},
		{"phone international trunk", "+44 (0)20 7946 0958", "phone"},
		{"phone 00 prefix", "0044 20 7946 0958", "phone"},
		{"phone us dashes", "415-555-0134", "phone"},
		{"phone us dots", "415.555.0134", "phone"},
		{"phone us parens", "(415) 555-0134", "phone"},
		{"phone toll free", "1-800-555-0199", "phone"},
		{"phone german", "030 1234 5678", "phone"},
		{"phone german slash", "030/12345678", "phone"},
		{"phone french dots", "06.12.34.56.78", "phone"},
		{"phone french spaces", "06 12 34 56 78", "phone"},
		{"phone uk mobile bare", "07911123456", "phone"},
		{"phone seven digits", "555-0134 ext 12", "phone"},
		{"phone local seven", "call 555 01 34", "phone"},
		{"phone full-width digits", "＋１ ４１５ ５５５ ０１３４", "phone"},
		{"phone arabic-indic digits", "+١ ٤١٥ ٥٥٥ ٠١٣٤", "phone"},
		{"phone nbsp and en dash", "415\u00a0555–0134", "phone"},
		{"phone bare after keyword", "tel: 4155550134", "phone"},
		{"phone bare after call", "Call 4155550134 today", "phone"},
		{"phone plus dashes", "+1-415-555-0134", "phone"},
		{"phone plus dots", "+1.415.555.0134", "phone"},
		{"phone parens glued", "(415)555-0134", "phone"},
		{"not phone bare after other word", "order 4155550134", ""},
		{"phone zero-width inside", "415-555\u200b-0134", "phone"},
		{"phone after date", "2024-03-15 415-555-0134", "phone"},
		{"not phone stage id", "closedwon", ""},
		{"not phone numeric stage id", "33215906", ""},
		{"not phone numeric id long", "12345678901", ""},
		{"not phone currency", "USD", ""},
		{"not phone iso date", "2024-03-15", ""},
		{"not phone iso timestamp", "2024-03-15T10:11:12Z", ""},
		{"not phone iso timestamp offset", "2024-03-15T10:11:12.123+02:00", ""},
		{"not phone date time", "2024-03-15 10:11:12", ""},
		{"not phone european date", "15.03.2024", ""},
		{"not phone us date", "03/15/2024", ""},
		{"not phone thousands", "1 234 567", ""},
		{"not phone thousands dots", "12.345.678", ""},
		{"not phone decimal", "1234567.89", ""},
		{"not phone ip", "192.168.100.200", ""},
		{"not phone version", "10.0.19045.2364", ""},
		{"not phone year range", "2019-2024", ""},
		{"not phone salesforce id", "0065g00000AbCdEAAZ", ""},
		{"not phone glued to letters", "PO4155550134", ""},
		{"not phone short", "+1 555", ""},
		{"not phone amount", "EUR 1,250,000.00", ""},
		// issue 11: extensions, national formats, identifiers
		{"phone extension glued", "259.735.7502x4587", "phone"},
		{"phone extension leading zero", "(911)439-8417x0135", "phone"},
		{"phone extension ext.", "415-555-0134 ext. 12", "phone"},
		{"phone 001 prefix with extension", "001-353-758-1795x184", "phone"},
		{"phone spanish spaced", "699 956 915", "phone"},
		{"phone spanish landline", "llamar al 912 345 678", "phone"},
		{"phone plus 49 mobile", "+49 151 89668424", "phone"},
		{"not phone glued word", "415-555-0134xyz", ""},
		{"not phone order id", "ORD-2021-793229", ""},
		{"not phone invoice year", "Invoice 2016/14937", ""},
		{"not phone house and postcode", "Hauptstr. 652 53659 Berlin", ""},
		{"not phone zip plus four", "21982-3809", ""},
		{"not phone sku", "SKU 3838-548-60", ""},
		{"not phone after expo word is phone", "Expo 415-555-0134", "phone"},
		// card
		{"card visa spaces", "4111 1111 1111 1111", "card"},
		{"card visa plain", "4111111111111111", "card"},
		{"card visa dashes", "4111-1111-1111-1111", "card"},
		{"card amex", "3782 822463 10005", "card"},
		{"card mastercard in text", "paid with 5555 5555 5555 4444, thanks", "card"},
		{"card after number", "order 12 4111 1111 1111 1111", "card"},
		{"card full-width", "４１１１ １１１１ １１１１ １１１１", "card"},
		{"not card luhn fails", "4111 1111 1111 1112", ""},
		{"not card zeros", "0000 0000 0000 0000", ""},
		{"not card twenty digits", "41111111111111111111", ""},
		{"card maestro twelve digits", "6304 6725 9242", "card"},
		{"card maestro twelve compact", "paid with 676104088528, thanks", "card"},
		{"not card twelve digits without maestro prefix", "4111 1111 1111", "phone"},
		{"not card isbn", "ISBN 978-6-62-311704-6", ""},
		{"not card after plus", "+4915056817112", "phone"},
		{"not card glued", "x4111111111111111", ""},
		// iban
		{"iban de compact", "DE89370400440532013000", "iban"},
		{"iban de groups", "DE89 3704 0044 0532 0130 00", "iban"},
		{"iban gb in text", "pay to GB82 WEST 1234 5698 7654 32 by friday", "iban"},
		{"iban lower case", "iban: gb82west12345698765432", "iban"},
		{"iban norway", "NO9386011117947", "iban"},
		{"not iban bad check", "DE88370400440532013000", ""},
		{"not iban unknown country", "ZZ89370400440532013000", ""},
		// ssn
		{"ssn", "123-45-6789", "ssn"},
		{"ssn in text", "ssn 123-45-6789.", "ssn"},
		{"ssn spaces", "123 45 6789", "ssn"},
		{"ssn en dashes", "123–45–6789", "ssn"},
		{"not ssn area 000", "000-12-3456", "phone"},
		{"not ssn area 9xx", "912-34-5678", "phone"},
		{"not ssn glued", "A123-45-6789", ""},
		// passes
		{"empty", "", ""},
		{"pseudonym", "k1_mfrggzdfmztwq2lknnwg23tpoa", ""},
		{"pseudonym digits", "k12_2345672345672345672345672a", ""},
		{"currency code", "EUR", ""},
		{"lifecycle", "marketingqualifiedlead", ""},
		{"lead source", "ORGANIC_SEARCH", ""},
		{"pipeline default", "default", ""},
		{"hubspot stages", "appointmentscheduled qualifiedtobuy presentationscheduled decisionmakerboughtin contractsent closedlost", ""},
		{"salesforce stages", "Id. Decision Makers, Negotiation/Review, Closed Won", ""},
		{"lead sources", "PAID_SOCIAL OFFLINE ORGANIC_SEARCH", ""},
		{"quarter", "Q3 2024", ""},
		{"fiscal range", "FY2024-2025", ""},
		{"percentage", "12.5%", ""},
		{"url", "https://app.hubspot.com/contacts/123456/deal/14628353941", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Scan(tc.in); got != tc.want {
				t.Errorf("Scan(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestDigitValueCoversEveryDecimalDigit(t *testing.T) {
	for _, r16 := range unicode.Nd.R16 {
		if r16.Stride != 1 || (r16.Hi-r16.Lo+1)%10 != 0 {
			t.Fatalf("unicode.Nd range %#x-%#x is not whole digit sets", r16.Lo, r16.Hi)
		}
	}
	for _, r32 := range unicode.Nd.R32 {
		if r32.Stride != 1 || (r32.Hi-r32.Lo+1)%10 != 0 {
			t.Fatalf("unicode.Nd range %#x-%#x is not whole digit sets", r32.Lo, r32.Hi)
		}
	}
	for _, tc := range []struct {
		r    rune
		want byte
	}{{'7', 7}, {'٣', 3}, {'۹', 9}, {'७', 7}, {'５', 5}, {'𝟘', 0}, {'𝟡', 9}} {
		if got := digitValue(tc.r); got != tc.want {
			t.Errorf("digitValue(%q) = %d, want %d", tc.r, got, tc.want)
		}
	}
}
