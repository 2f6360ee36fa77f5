-- Schema version 8: a URL's scheme is case-insensitive (RFC 3986), and
-- hookctl keeps it in lower case (subscription.LowerScheme) since it took
-- HTTP://… as http://…. Subscriptions stored before kept the scheme as
-- typed, and their deliveries copied it: shown as HTTP://… and compared
-- with lower-case URLs as they were stored. Both are lowered here, the
-- scheme only (the rest of a URL may be case-sensitive), so a delivery
-- still matches its subscription's URL.
UPDATE subscriptions
	SET callback_url = lower(substr(callback_url, 1, instr(callback_url, '://') - 1)) || substr(callback_url, instr(callback_url, '://'))
	WHERE instr(callback_url, '://') > 1
	AND substr(callback_url, 1, instr(callback_url, '://') - 1) <> lower(substr(callback_url, 1, instr(callback_url, '://') - 1));
UPDATE deliveries
	SET url = lower(substr(url, 1, instr(url, '://') - 1)) || substr(url, instr(url, '://'))
	WHERE instr(url, '://') > 1
	AND substr(url, 1, instr(url, '://') - 1) <> lower(substr(url, 1, instr(url, '://') - 1));
