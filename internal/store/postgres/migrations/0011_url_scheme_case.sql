-- Schema version 11: a URL's scheme is case-insensitive (RFC 3986), and
-- hookctl keeps it in lower case (subscription.LowerScheme) since it took
-- HTTP://… as http://…. Subscriptions stored before kept the scheme as
-- typed, and their deliveries copied it: shown as HTTP://… and compared
-- with lower-case URLs as they were stored. Both are lowered here, the
-- scheme only (the rest of a URL may be case-sensitive), so a delivery
-- still matches its subscription's URL.
UPDATE subscriptions
	SET callback_url = lower(split_part(callback_url, '://', 1)) || substr(callback_url, strpos(callback_url, '://'))
	WHERE strpos(callback_url, '://') > 1
	AND split_part(callback_url, '://', 1) <> lower(split_part(callback_url, '://', 1));
UPDATE deliveries
	SET url = lower(split_part(url, '://', 1)) || substr(url, strpos(url, '://'))
	WHERE strpos(url, '://') > 1
	AND split_part(url, '://', 1) <> lower(split_part(url, '://', 1));
